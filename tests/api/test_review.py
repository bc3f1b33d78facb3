"""Review: the queue of annotations to check, verdicts, rejection back to the pool, scores."""

from __future__ import annotations

from tests.api.test_quality import crowd, get, items_by_text, label


def _annotations(client, org, pid, item_id):
    return get(client, f"/api/v1/projects/{pid}/items/{item_id}", org.owner)["annotations"]


def _review(client, pid, member, annotation_id, verdict, **body):
    return client.post(
        f"/api/v1/projects/{pid}/annotations/{annotation_id}/review",
        json={"verdict": verdict, **body},
        headers=member.headers,
    )


def test_review_queue_kinds(org, client):
    pid, truth, good, odd = crowd(org, client)
    ids = items_by_text(client, org, pid)
    reviewer = org.member("reviewer")
    low = get(client, f"/api/v1/projects/{pid}/review/queue", reviewer, kind="low_confidence")
    assert {t["annotation"]["item_id"] for t in low} == {ids["t0"], ids["t1"]}
    assert len(low) == 6 and all(t["reason"] == "low consensus confidence" for t in low)
    assert low[0]["payload"]["text"] in ("t0", "t1")
    assert low[0]["consensus"]["sentiment"]["confidence"] < 0.8
    disagreed = get(client, f"/api/v1/projects/{pid}/review/queue", reviewer, kind="disagreed")
    assert len(disagreed) == 2 and all(t["annotation"]["user_id"] == odd.user_id for t in disagreed)
    assert disagreed[0]["annotator_email"] == odd.email and "sentiment" in disagreed[0]["reason"]
    sample = get(client, f"/api/v1/projects/{pid}/review/queue", reviewer, kind="random", limit=5)
    assert len(sample) == 5 and len({t["annotation"]["id"] for t in sample}) == 5
    assert client.get(f"/api/v1/projects/{pid}/review/queue", headers=odd.headers).status_code == 403
    bad = client.get(
        f"/api/v1/projects/{pid}/review/queue", params={"kind": "worst"}, headers=reviewer.headers
    )
    assert bad.status_code == 422


def test_reject_sends_the_item_back_to_the_pool_for_someone_new(org, client):
    pid, truth, good, odd = crowd(org, client)
    ids = items_by_text(client, org, pid)
    wrong = next(a for a in _annotations(client, org, pid, ids["t0"]) if a["user_id"] == odd.user_id)
    before = get(client, f"/api/v1/projects/{pid}/items/{ids['t0']}", org.owner)
    assert before["complete"] is True and before["n_done"] == 3
    reviewer = org.member("reviewer")
    done = _review(client, pid, reviewer, wrong["id"], "reject", comment="read the guidelines on sarcasm")
    assert done.status_code == 201, done.text
    assert done.json()["verdict"] == "reject" and done.json()["reviewer_id"] == reviewer.user_id
    after = get(client, f"/api/v1/projects/{pid}/items/{ids['t0']}", org.owner)
    assert after["complete"] is False and after["n_done"] == 2
    # Those who labeled it are not offered it again; a newcomer is.
    for person in (*good, odd):
        assert (
            client.post(f"/api/v1/projects/{pid}/tasks/next", headers=person.headers).json()["task"] is None
        )
    newcomer = org.member()
    task = client.post(f"/api/v1/projects/{pid}/tasks/next", headers=newcomer.headers).json()["task"]
    assert task["item"]["id"] == ids["t0"]
    # The rejected answer leaves the consensus: now 2 labels, both "positive".
    consensus = get(client, f"/api/v1/projects/{pid}/items/{ids['t0']}/consensus", org.owner)
    assert consensus["sentiment"] == {
        **consensus["sentiment"],
        "value": "positive",
        "n_labels": 2,
        "confidence": 1.0,
    }
    again = _review(client, pid, reviewer, wrong["id"], "accept")
    assert again.status_code == 409


def test_accept_and_correct_feed_scores_and_consensus(org, client):
    pid, truth, good, odd = crowd(org, client)
    ids = items_by_text(client, org, pid)
    reviewer = org.member("reviewer")
    t1 = {a["user_id"]: a for a in _annotations(client, org, pid, ids["t1"])}
    t3 = {a["user_id"]: a for a in _annotations(client, org, pid, ids["t3"])}
    assert _review(client, pid, reviewer, t3[odd.user_id]["id"], "accept").status_code == 201
    no_value = _review(client, pid, reviewer, t1[odd.user_id]["id"], "correct")
    assert no_value.status_code == 422
    bad_value = _review(client, pid, reviewer, t1[odd.user_id]["id"], "correct", value={"sentiment": "awful"})
    assert bad_value.status_code == 422 and bad_value.json()["error"]["code"] == "schema_error"
    stray = _review(client, pid, reviewer, t1[odd.user_id]["id"], "accept", value={"sentiment": "neutral"})
    assert stray.status_code == 422
    fixed = _review(
        client,
        pid,
        reviewer,
        t1[odd.user_id]["id"],
        "correct",
        value={"sentiment": "neutral"},
        comment="neither",
    )
    assert fixed.status_code == 201 and fixed.json()["corrected_value"] == {"sentiment": "neutral"}
    consensus = get(client, f"/api/v1/projects/{pid}/items/{ids['t1']}/consensus", org.owner)
    assert consensus["sentiment"]["value"] == "neutral" and consensus["sentiment"]["method"] == "review"
    assert consensus["sentiment"]["confidence"] == 1.0
    rows = {r["user_id"]: r for r in get(client, f"/api/v1/projects/{pid}/quality/annotators", org.owner)}
    review = rows[odd.user_id]["review"]
    assert (review["accepted"], review["rejected"], review["corrected"], review["count"]) == (1, 0, 1, 2)
    assert review["accuracy"] == 0.5 and 0 < review["low"] < 0.5 < review["high"] < 1
    assert rows[odd.user_id]["score"]["count"] == 2
    assert rows[good[0].user_id]["review"]["accuracy"] is None
    # Annotators see the reviews of their own work, and only those.
    mine = get(client, f"/api/v1/projects/{pid}/reviews", odd)
    assert len(mine) == 2 and {r["annotator_id"] for r in mine} == {odd.user_id}
    assert get(client, f"/api/v1/projects/{pid}/reviews", good[0]) == []
    assert len(get(client, f"/api/v1/projects/{pid}/reviews", reviewer, annotator_id=odd.user_id)) == 2


def test_review_rules(org, client):
    pid, truth, good, odd = crowd(org, client, n=2)
    ids = items_by_text(client, org, pid)
    mine = _annotations(client, org, pid, ids["t0"])
    # Annotators cannot review; nobody reviews their own annotation; unknown ids are 404.
    assert _review(client, pid, good[1], mine[0]["id"], "accept").status_code == 403
    owner_labels = org.project(
        label_schema={
            "inputs": [{"name": "text", "type": "text"}],
            "questions": [
                {"name": "sentiment", "kind": "single_choice", "options": ["positive", "negative"]}
            ],
        },
        overlap=1,
    )
    org.add_items(owner_labels["id"], [{"text": "mine"}])
    label(client, owner_labels["id"], org.owner, lambda t: {"sentiment": "positive"})
    own = get(client, f"/api/v1/projects/{owner_labels['id']}/items", org.owner)["items"][0]
    own_annotation = _annotations(client, org, owner_labels["id"], own["id"])[0]
    assert _review(client, owner_labels["id"], org.owner, own_annotation["id"], "accept").status_code == 403
    own_queue = get(client, f"/api/v1/projects/{owner_labels['id']}/review/queue", org.owner, kind="random")
    assert own_queue == []  # reviewers never get their own annotations
    reviewer = org.member("reviewer")
    assert _review(client, pid, reviewer, 999999999, "accept").status_code == 404
    # An annotation of another project is not reachable through this one.
    assert _review(client, owner_labels["id"], reviewer, mine[0]["id"], "accept").status_code == 404
    # Answers on gold items are scored against gold, not reviewed.
    client.put(
        f"/api/v1/projects/{pid}/items/{ids['t1']}/gold",
        json={"value": {"sentiment": "negative"}},
        headers=org.owner.headers,
    )
    on_gold = _annotations(client, org, pid, ids["t1"])[0]
    assert _review(client, pid, reviewer, on_gold["id"], "reject").status_code == 409
    queue = get(client, f"/api/v1/projects/{pid}/review/queue", reviewer, kind="random", limit=100)
    assert ids["t1"] not in {t["annotation"]["item_id"] for t in queue}
