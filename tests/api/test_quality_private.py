"""Private prompt sets: quality figures stay open to reviewers, but whatever shows items' content (disagreed
items, an item's consensus, the review queue, reviews with corrections) is for managers only; annotators
still see their own leased items and the reviews of their own work."""

from __future__ import annotations

from tests.api.test_quality import CHOICE_SCHEMA, get, items_by_text, label

SECRET = "secret benchmark prompt"


def private_project(org, client):
    pid = org.project(label_schema=CHOICE_SCHEMA, overlap=2, private=True)["id"]
    org.add_items(pid, [{"text": SECRET}, {"text": "another held-out prompt"}])
    first, second = org.member(), org.member()
    label(client, pid, first, lambda t: {"sentiment": "positive"})
    label(client, pid, second, lambda t: {"sentiment": "negative"})
    return pid, first, second


def test_reviewers_get_figures_but_no_content_of_a_private_project(org, client):
    pid, first, second = private_project(org, client)
    reviewer, manager = org.member("reviewer"), org.member("manager")
    item = items_by_text(client, org, pid)[SECRET]
    annotation = get(client, f"/api/v1/projects/{pid}/items/{item}", manager)["annotations"][0]
    # Aggregate figures carry no item content: reviewers keep them.
    for path in ("quality", "quality/annotators", "quality/confusion", "quality/states"):
        response = client.get(f"/api/v1/projects/{pid}/{path}", headers=reviewer.headers)
        assert response.status_code == 200, (path, response.text)
        assert SECRET not in response.text
    # Content: refused to reviewers, with the usual error shape, and nothing of the item in the body.
    refused = [
        client.get(f"/api/v1/projects/{pid}/quality/disagreements", headers=reviewer.headers),
        client.get(f"/api/v1/projects/{pid}/items/{item}/consensus", headers=reviewer.headers),
        client.get(
            f"/api/v1/projects/{pid}/review/queue", params={"kind": "random"}, headers=reviewer.headers
        ),
        client.get(
            f"/api/v1/projects/{pid}/review/queue", params={"kind": "disagreed"}, headers=reviewer.headers
        ),
        client.post(
            f"/api/v1/projects/{pid}/annotations/{annotation['id']}/review",
            json={"verdict": "accept"},
            headers=reviewer.headers,
        ),
    ]
    for response in refused:
        assert response.status_code == 403, response.request.url
        assert "private" in response.json()["error"]["message"] and SECRET not in response.text
    # Managers see all of it.
    queue = get(client, f"/api/v1/projects/{pid}/review/queue", manager, kind="random")
    assert SECRET in {t["payload"]["text"] for t in queue}
    assert get(client, f"/api/v1/projects/{pid}/quality/disagreements", manager)
    assert (
        get(client, f"/api/v1/projects/{pid}/items/{item}/consensus", manager)["sentiment"]["n_labels"] == 2
    )
    corrected = client.post(
        f"/api/v1/projects/{pid}/annotations/{annotation['id']}/review",
        json={"verdict": "correct", "value": {"sentiment": "neutral"}, "comment": f"re: {SECRET}"},
        headers=manager.headers,
    )
    assert corrected.status_code == 201, corrected.text
    # Reviews quote items (corrections, comments): reviewers read none but their own, like annotators.
    assert get(client, f"/api/v1/projects/{pid}/reviews", reviewer) == []
    assert len(get(client, f"/api/v1/projects/{pid}/reviews", manager)) == 1
    author = first if annotation["user_id"] == first.user_id else second
    mine = get(client, f"/api/v1/projects/{pid}/reviews", author)
    assert len(mine) == 1 and mine[0]["annotator_id"] == author.user_id
    # Annotators never reach any of it.
    for path in ("quality/disagreements", f"items/{item}/consensus", "review/queue"):
        assert client.get(f"/api/v1/projects/{pid}/{path}", headers=author.headers).status_code == 403


def test_annotators_still_label_a_private_project_through_their_lease(org, client):
    pid = org.project(label_schema=CHOICE_SCHEMA, overlap=1, private=True)["id"]
    org.add_items(pid, [{"text": SECRET}])
    annotator = org.member()
    task = client.post(f"/api/v1/projects/{pid}/tasks/next", headers=annotator.headers).json()["task"]
    assert task["item"]["payload"]["text"] == SECRET  # their own lease shows it
    assert client.get(f"/api/v1/projects/{pid}/items", headers=annotator.headers).status_code == 403


def test_opening_a_private_project_opens_its_review_queue(org, client):
    pid, *_ = private_project(org, client)
    reviewer = org.member("reviewer")
    url = f"/api/v1/projects/{pid}/review/queue"
    assert client.get(url, headers=reviewer.headers).status_code == 403
    opened = client.patch(f"/api/v1/projects/{pid}", json={"private": False}, headers=org.owner.headers)
    assert opened.status_code == 200
    assert client.get(url, params={"kind": "random"}, headers=reviewer.headers).status_code == 200
