"""LLM tasks in the browser: safe Markdown for model output, and keyboard-driven pairwise, demonstration,
ranking, rubric and safety widgets."""

from __future__ import annotations

import pytest

from tests.web.conftest import login
from tests.web.test_label import annotations, open_workspace

pytestmark = pytest.mark.browser

ATTACK = (
    'Sure! <img src=x onerror="window.__pwned=1"> and <script>window.__pwned=2</script> '
    '[x](javascript:window.__pwned=3) <a href="#" onclick="window.__pwned=4">y</a>'
)
PAIR_SCHEMA = {
    "inputs": [{"name": "messages", "type": "conversation"}, {"name": "responses", "type": "responses"}],
    "questions": [{"name": "preference", "kind": "pairwise", "allow_tie": True, "allow_both_bad": True}],
}


def _pair(prompt, a, b):
    return {"messages": [{"role": "user", "content": prompt}], "responses": [{"content": a}, {"content": b}]}


def _next_item(page, ref):
    page.wait_for_function(
        "ref => document.querySelector('#item-ref').textContent !== ref || !document.querySelector('#done').hidden",
        arg=ref,
    )


def test_model_output_cannot_inject_html_or_script(page, org, client):
    project = org.project(label_schema=PAIR_SCHEMA)
    org.add_items(
        project["id"],
        [
            {
                "data": _pair(ATTACK, ATTACK, "**bold** claim\n\n```python\nprint('<b>hi</b>')\n```"),
                "meta": {"comparison": {"A": {"model": "secret-model-a"}, "B": {"model": "secret-model-b"}}},
            }
        ],
    )
    login(page, org.member().email)
    open_workspace(page, project["id"])
    inputs = page.locator("#inputs")
    assert inputs.locator("img, script, [onclick], [onerror]").count() == 0
    assert inputs.locator('a[href^="javascript"]').count() == 0
    assert page.evaluate("window.__pwned") is None
    assert "<script>window.__pwned=2</script>" in page.text_content(".response[data-response='0']")
    # Markdown still renders: bold and a code block, with the code shown literally
    assert page.text_content(".response[data-response='1'] strong") == "bold"
    assert page.text_content(".response[data-response='1'] pre code") == "print('<b>hi</b>')"
    assert page.text_content(".response[data-response='0'] .response-name") == "Response A"
    assert "secret-model" not in page.content()


def test_pairwise_with_keys_strength_and_rationale(page, org, client):
    project = org.project(label_schema=PAIR_SCHEMA)
    org.add_items(project["id"], [_pair("q1", "a1", "b1"), _pair("q2", "a2", "b2"), _pair("q3", "a3", "b3")])
    login(page, org.member().email)
    open_workspace(page, project["id"])
    ref = page.text_content("#item-ref")
    page.keyboard.press("2")  # B
    page.keyboard.press("+")
    page.keyboard.press("+")  # clearly better
    page.keyboard.press("r")  # into the rationale box
    page.keyboard.type("B is correct")
    page.keyboard.press("Escape")
    page.keyboard.press("Enter")
    _next_item(page, ref)
    ref = page.text_content("#item-ref")
    page.keyboard.press("x")  # both bad
    assert page.locator(".pairwise-strength button[disabled]").count() == 3
    page.keyboard.press("Enter")
    _next_item(page, ref)
    page.keyboard.press("t")
    page.keyboard.press("a")  # changed my mind: A...
    for key in "++++-":
        page.keyboard.press(key)  # ...up to "much better" (3 at most), then one step back
    page.keyboard.press("Enter")
    page.wait_for_selector("#done:not([hidden])")
    values = [rows[0]["value"]["preference"] for rows in annotations(org, client, project["id"]).values()]
    assert values == [
        {"choice": "B", "strength": 2, "rationale": "B is correct"},
        {"choice": "both_bad", "strength": None, "rationale": None},
        {"choice": "A", "strength": 2, "rationale": None},
    ]


def test_demonstration_prefilled_from_the_response_and_edited(page, org, client):
    schema = {
        "inputs": [
            {"name": "messages", "type": "conversation"},
            {"name": "responses", "type": "responses", "required": False},
        ],
        "questions": [{"name": "ideal", "kind": "demonstration"}],
    }
    project = org.project(label_schema=schema)
    org.add_items(
        project["id"],
        [
            {
                "messages": [{"role": "user", "content": "Capital of France?"}],
                "responses": [{"content": "It is Lyon."}],
            }
        ],
    )
    login(page, org.member().email)
    open_workspace(page, project["id"])
    assert page.input_value("textarea.demonstration") == "It is Lyon."
    page.keyboard.press("e")
    page.keyboard.press("Control+a")
    page.keyboard.type("It is Paris.")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#done:not([hidden])")
    [rows] = annotations(org, client, project["id"]).values()
    assert rows[0]["value"]["ideal"] == {"content": "It is Paris.", "edited_from": 0}


def test_ranking_rubric_and_safety_with_number_keys(page, org, client):
    schema = {
        "inputs": [{"name": "messages", "type": "conversation"}, {"name": "responses", "type": "responses"}],
        "questions": [
            {"name": "order", "kind": "response_ranking"},
            {"name": "rubric", "kind": "rubric"},
            {"name": "safety", "kind": "safety_flags", "categories": ["violence", "privacy"]},
        ],
    }
    project = org.project(label_schema=schema)
    org.add_items(
        project["id"],
        [
            {
                "messages": [
                    {"role": "system", "content": "be safe"},
                    {"role": "user", "content": "rank these"},
                ],
                "responses": [{"content": f"answer {i}"} for i in range(3)],
            }
        ],
    )
    login(page, org.member().email)
    open_workspace(page, project["id"])
    for key in "231":  # ranking: response 2, then 3, then 1; completes and moves on to the rubric
        page.keyboard.press(key)
    for key in "751":  # rubric: helpfulness 7, honesty 5, harmlessness 1; then the safety question
        page.keyboard.press(key)
    page.keyboard.press("2")  # flag privacy
    page.keyboard.press("h")  # severity high
    page.keyboard.press("Enter")
    page.wait_for_selector("#done:not([hidden])")
    [rows] = annotations(org, client, project["id"]).values()
    value = rows[0]["value"]
    assert value["order"] == [1, 2, 0]
    assert {k: v["score"] for k, v in value["rubric"].items()} == {
        "helpfulness": 7,
        "honesty": 5,
        "harmlessness": 1,
    }
    assert value["safety"] == {"flags": ["privacy"], "severity": "high", "note": None}
