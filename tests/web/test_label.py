"""The labeling workspace in headless Chromium: keyboard labeling, spans, skip, safety."""

from __future__ import annotations

import pytest

from tests.web.conftest import login

pytestmark = pytest.mark.browser

SENTIMENT = {
    "inputs": [{"name": "text", "type": "text"}],
    "questions": [
        {"name": "sentiment", "kind": "single_choice", "options": ["positive", "negative", "neutral"]}
    ],
}
ENTITIES = {
    "inputs": [{"name": "text", "type": "text"}],
    "questions": [{"name": "entities", "kind": "spans", "source": "text", "labels": ["PER", "ORG", "LOC"]}],
}


def annotations(org, client, project_id):  # type: ignore[no-untyped-def]
    """Every annotation of the project by item id, read through the API as the owner."""
    items = client.get(f"/api/v1/projects/{project_id}/items", headers=org.owner.headers).json()["items"]
    out = {}
    for item in items:
        detail = client.get(
            f"/api/v1/projects/{project_id}/items/{item['id']}", headers=org.owner.headers
        ).json()
        out[item["id"]] = detail["annotations"]
    return out


def open_workspace(page, project_id):  # type: ignore[no-untyped-def]
    page.goto(f"/projects/{project_id}/label")
    page.wait_for_selector("#task:not([hidden]), #done:not([hidden])")


def select_text(page, word: str, occurrence: int = 0) -> None:  # type: ignore[no-untyped-def]
    """Select ``word`` inside the item text with a DOM Range, as a mouse drag would."""
    page.evaluate(
        """([word, occurrence]) => {
          const box = document.querySelector('.item-text');
          const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
          let seen = 0;
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            let at = node.data.indexOf(word);
            while (at >= 0) {
              if (seen++ === occurrence) {
                const range = document.createRange();
                range.setStart(node, at);
                range.setEnd(node, at + word.length);
                const selection = window.getSelection();
                selection.removeAllRanges();
                selection.addRange(range);
                return;
              }
              at = node.data.indexOf(word, at + 1);
            }
          }
          throw new Error('text not found: ' + word);
        }""",
        [word, occurrence],
    )


def test_label_three_items_with_the_keyboard(page, org, client):
    project = org.project(label_schema=SENTIMENT)
    org.texts(project["id"], 3)
    annotator = org.member("annotator")
    login(page, annotator.email)
    open_workspace(page, project["id"])
    assert page.text_content("#my-count") == "You: 0 labeled"
    seen = []
    for _ in range(3):
        item_ref = page.text_content("#item-ref")
        seen.append(item_ref)
        page.keyboard.press("1")
        assert page.get_attribute('[data-value="positive"]', "aria-pressed") == "true"
        page.keyboard.press("Enter")
        page.wait_for_function(
            "ref => document.querySelector('#item-ref').textContent !== ref "
            "|| !document.querySelector('#done').hidden",
            arg=item_ref,
        )
    page.wait_for_selector("#done:not([hidden])")
    assert "All done — nothing left for you here" in page.text_content("#done")
    assert page.text_content("#my-count") == "You: 3 labeled"
    assert len(set(seen)) == 3
    stored = annotations(org, client, project["id"])
    assert len(stored) == 3
    for rows in stored.values():
        assert [(row["user_id"], row["value"]) for row in rows] == [
            (annotator.user_id, {"sentiment": "positive"})
        ]


def test_span_offsets_count_code_points(page, org, client):
    project = org.project(label_schema=ENTITIES)
    text = "🎉👍🏽 Ada Lovelace met 🇬🇧 Charles Babbage in London."
    org.add_items(project["id"], [{"text": text}])
    annotator = org.member("annotator")
    login(page, annotator.email)
    open_workspace(page, project["id"])
    select_text(page, "Ada Lovelace")
    page.keyboard.press("a")  # PER
    select_text(page, "London")
    page.keyboard.press("c")  # LOC
    select_text(page, "Charles")
    page.keyboard.press("b")  # ORG, a mistake...
    assert page.locator("mark.span").count() == 3
    page.keyboard.press("Backspace")  # ...taken back
    assert page.locator("mark.span").count() == 2
    select_text(page, "Charles Babbage")
    page.keyboard.press("a")
    assert page.locator("mark.span").nth(1).text_content() == "Charles Babbage"
    page.keyboard.press("Enter")
    page.wait_for_selector("#done:not([hidden])")
    [rows] = annotations(org, client, project["id"]).values()
    spans = rows[0]["value"]["entities"]
    expected = [
        (text.index(word), text.index(word) + len(word), label, word)
        for word, label in (("Ada Lovelace", "PER"), ("London", "LOC"), ("Charles Babbage", "PER"))
    ]
    assert [(s["start"], s["end"], s["label"], s["text"]) for s in spans] == expected


def test_clicking_a_span_removes_it(page, org):
    project = org.project(label_schema=ENTITIES)
    org.add_items(project["id"], [{"text": "Grace Hopper wrote code."}])
    login(page, org.member("annotator").email)
    open_workspace(page, project["id"])
    select_text(page, "Grace Hopper")
    page.keyboard.press("a")
    page.click("mark.span")
    assert page.locator("mark.span").count() == 0
    assert page.text_content(".item-text") == "Grace Hopper wrote code."


def test_skip_then_empty_queue(page, org, client):
    project = org.project(label_schema=SENTIMENT)
    org.texts(project["id"], 2)
    login(page, org.member("annotator").email)
    open_workspace(page, project["id"])
    first = page.text_content("#item-ref")
    page.keyboard.press("s")
    page.wait_for_function("ref => document.querySelector('#item-ref').textContent !== ref", arg=first)
    page.keyboard.press("2")
    page.keyboard.press("Enter")
    page.wait_for_selector("#done:not([hidden])")
    assert page.text_content("#my-count") == "You: 1 labeled"
    stored = annotations(org, client, project["id"])
    assert sorted(len(rows) for rows in stored.values()) == [0, 1]
    assert [row["value"] for rows in stored.values() for row in rows] == [{"sentiment": "negative"}]


def test_validation_errors_name_the_question(page, org):
    project = org.project(label_schema=SENTIMENT)
    org.texts(project["id"], 1)
    login(page, org.member("annotator").email)
    open_workspace(page, project["id"])
    page.keyboard.press("Enter")
    message = page.wait_for_selector("#message:not([hidden])")
    assert "sentiment" in message.text_content()
    assert page.locator('[data-question="sentiment"].has-error').count() == 1
    page.keyboard.press("3")
    page.keyboard.press("Enter")
    page.wait_for_selector("#done:not([hidden])")
    assert page.is_hidden("#message")


def test_guidelines_render_and_payload_html_stays_text(page, org):
    hostile = '<img src=x onerror="window.pwned=1"><b>bold?</b> & <script>window.pwned=2</script>'
    guidelines = (
        "# Read me\n\nBe **careful** with *sarcasm*; see [the wiki](https://example.org/wiki_x_y).\n\n"
        "- one\n- two\n\n[bad](javascript:alert(1)) <i onmouseover=alert(1)>raw</i>"
    )
    project = org.project(label_schema=SENTIMENT, guidelines=guidelines)
    org.add_items(project["id"], [{"text": hostile}])
    login(page, org.member("annotator").email)
    open_workspace(page, project["id"])
    guide = page.locator("#guidelines")
    assert guide.locator("h3").text_content() == "Read me"
    assert guide.locator("strong").text_content() == "careful"
    assert guide.locator("em").text_content() == "sarcasm"
    assert guide.locator("a").count() == 1
    assert guide.locator("a").get_attribute("href") == "https://example.org/wiki_x_y"
    assert guide.locator("li").count() == 2
    assert guide.locator("i").count() == 0 and "<i onmouseover=alert(1)>raw</i>" in guide.text_content()
    assert "[bad](javascript:alert(1))" in guide.text_content()
    item = page.locator(".item-text")
    assert item.text_content() == hostile
    assert item.locator("*").count() == 0
    assert page.evaluate("window.pwned") is None


def test_free_text_typing_does_not_trigger_hotkeys(page, org, client):
    schema = {
        "inputs": [{"name": "text", "type": "text"}],
        "questions": [
            {"name": "sentiment", "kind": "single_choice", "options": ["positive", "negative"]},
            {"name": "note", "kind": "free_text"},
        ],
    }
    project = org.project(label_schema=schema)
    org.texts(project["id"], 1)
    login(page, org.member("annotator").email)
    open_workspace(page, project["id"])
    page.keyboard.press("2")
    page.click("#q-note")
    page.keyboard.type("1 s? ok")
    assert page.get_attribute('[data-value="positive"]', "aria-pressed") == "false"
    assert page.is_hidden("#help")
    page.keyboard.press("Escape")
    page.keyboard.press("?")
    assert page.is_visible("#help") and "Skip this item" in page.text_content("#help")
    page.keyboard.press("?")
    page.keyboard.press("Enter")
    page.wait_for_selector("#done:not([hidden])")
    [rows] = annotations(org, client, project["id"]).values()
    assert rows[0]["value"] == {"sentiment": "negative", "note": "1 s? ok"}


def test_number_keys_follow_the_highlighted_question(page, org, client):
    schema = {
        "inputs": [{"name": "prompt", "type": "text"}, {"name": "chat", "type": "conversation"}],
        "questions": [
            {"name": "topics", "kind": "multi_choice", "options": ["billing", "shipping", "other"]},
            {"name": "quality", "kind": "rating", "min": 1, "max": 5},
            {"name": "order", "kind": "ranking", "options": ["x", "y"]},
            {"name": "better", "kind": "pairwise", "allow_tie": True},
        ],
    }
    project = org.project(label_schema=schema)
    chat = [{"role": "user", "content": "<em>hi</em>"}, {"role": "assistant", "content": "hello"}]
    org.add_items(project["id"], [{"prompt": "Compare the answers.", "chat": chat}])
    login(page, org.member("annotator").email)
    open_workspace(page, project["id"])
    assert page.locator(".conversation .content").first.text_content() == "<em>hi</em>"
    page.keyboard.press("1")
    page.keyboard.press("3")  # multi choice stays on its question
    page.keyboard.press("ArrowDown")
    page.keyboard.press("4")  # rating 4, then on to the ranking
    page.keyboard.press("2")
    page.keyboard.press("1")  # ranking y, x, then on to pairwise
    page.keyboard.press("3")  # tie
    page.keyboard.press("Enter")
    page.wait_for_selector("#done:not([hidden])")
    [rows] = annotations(org, client, project["id"]).values()
    assert rows[0]["value"] == {
        "topics": ["billing", "other"],
        "quality": 4,
        "order": ["y", "x"],
        "better": {"choice": "tie", "strength": None, "rationale": None},
    }
