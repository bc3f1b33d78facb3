"""The queue with quality on: gold injection, qualification, automatic pause and reinstatement, dynamic overlap."""

from __future__ import annotations

from tests.api.test_quality import CHOICE_SCHEMA, get, items_by_text

NEXT = "/api/v1/projects/{pid}/tasks/next"


def _next(client, pid, member):
    response = client.post(NEXT.format(pid=pid), headers=member.headers)
    return response


def _work(client, pid, member, answers, limit=100):
    """Label until the queue is empty or refuses; returns the item texts seen, in order, and the last status."""
    seen = []
    response = _next(client, pid, member)
    task = response.json().get("task") if response.status_code == 200 else None
    while task and len(seen) < limit:
        text = task["item"]["payload"]["text"]
        seen.append(text)
        assert set(task) == {"lease_id", "project_id", "expires_at", "item"}
        assert set(task["item"]) == {"id", "payload"}
        response = client.post(
            f"/api/v1/projects/{pid}/tasks/{task['lease_id']}/submit",
            json={"value": {"sentiment": answers(text)}, "next": True},
            headers=member.headers,
        )
        assert response.status_code == 200, response.text
        task = response.json()["task"]
    return seen, _next(client, pid, member)


def _gold_project(org, *, gold=3, items=4, **settings):
    pid = org.project(label_schema=CHOICE_SCHEMA, **settings)["id"]
    org.add_items(
        pid,
        [{"text": f"g{i}", "gold": {"sentiment": "positive"}} for i in range(gold)]
        + [{"text": f"r{i}"} for i in range(items)],
    )
    return pid


def test_gold_is_mixed_in_once_per_person_and_not_counted_toward_overlap(org, client):
    pid = _gold_project(org, gold=3, items=4, gold_rate=1.0, overlap=1)
    first, second = org.member(), org.member()
    seen, last = _work(client, pid, first, lambda t: "positive")
    assert seen[:3] == ["g0", "g1", "g2"] and sorted(seen[3:]) == ["r0", "r1", "r2", "r3"]
    assert last.json()["task"] is None
    # The second person gets every gold item too (gold has no overlap), but no regular item: overlap 1 is used up.
    seen, _ = _work(client, pid, second, lambda t: "negative")
    assert seen == ["g0", "g1", "g2"]
    ids = items_by_text(client, org, pid)
    progress = get(client, f"/api/v1/projects/{pid}/progress", org.owner)
    assert progress["annotations"] >= 4
    rows = {r["user_id"]: r for r in get(client, f"/api/v1/projects/{pid}/quality/annotators", org.owner)}
    assert rows[first.user_id]["gold"]["correct"] == 3 and rows[second.user_id]["gold"]["correct"] == 0
    assert rows[second.user_id]["gold"]["count"] == 3
    # Regular items were each labeled once, by the first person only.
    for text in ("r0", "r1", "r2", "r3"):
        detail = get(client, f"/api/v1/projects/{pid}/items/{ids[text]}", org.owner)
        assert [a["user_id"] for a in detail["annotations"]] == [first.user_id]


def test_no_gold_rate_means_no_gold_tasks(org, client):
    pid = _gold_project(org, gold=2, items=3, gold_rate=0.0)
    seen, _ = _work(client, pid, org.member(), lambda t: "positive")
    assert sorted(seen) == ["r0", "r1", "r2"]


def test_qualification_gates_real_work(org, client):
    pid = _gold_project(org, gold=3, items=2, qualification_size=2, qualification_pass=1.0, overlap=2)
    good, bad = org.member(), org.member()
    seen, last = _work(client, pid, good, lambda t: "positive")
    assert seen[:2] == ["g0", "g1"] and sorted(seen[2:]) == ["r0", "r1"]
    me = get(client, f"/api/v1/projects/{pid}/quality/me", good)
    assert me == {"status": "active"}
    assert get(client, f"/api/v1/projects/{pid}/quality/me", bad) == {"status": "qualifying"}
    seen, last = _work(client, pid, bad, lambda t: "negative")
    assert seen == ["g0", "g1"]  # failed after the qualification set: no real work
    assert last.status_code == 403 and last.json()["error"]["details"] == {"status": "failed"}
    assert get(client, f"/api/v1/projects/{pid}/quality/me", bad) == {"status": "failed"}
    states = {s["user_id"]: s for s in get(client, f"/api/v1/projects/{pid}/quality/states", org.owner)}
    assert states[good.user_id]["status"] == "active" and states[good.user_id]["qualified_at"]
    assert states[bad.user_id]["status"] == "failed" and "0/2" in states[bad.user_id]["reason"]
    # A manager overrides: the annotator can work.
    reviewer = org.member("reviewer")
    url = f"/api/v1/projects/{pid}/annotators/{bad.user_id}/reinstate"
    assert client.post(url, headers=reviewer.headers).status_code == 403
    manager = org.member("manager")
    reinstated = client.post(url, headers=manager.headers)
    assert reinstated.status_code == 200 and reinstated.json()["reinstated_by"] == manager.user_id
    seen, _ = _work(client, pid, bad, lambda t: "negative")
    assert sorted(seen) == ["r0", "r1"]


def test_running_gold_accuracy_pauses_and_a_manager_reinstates(org, client):
    pid = _gold_project(org, gold=4, items=3, gold_rate=1.0, pause_below=0.5, pause_min_gold=2, overlap=2)
    careless = org.member()
    seen, last = _work(client, pid, careless, lambda t: "negative")
    assert seen == ["g0", "g1"]  # 0 of 2 right: paused after the second gold answer
    assert last.status_code == 403 and last.json()["error"]["details"] == {"status": "paused"}
    state = {s["user_id"]: s for s in get(client, f"/api/v1/projects/{pid}/quality/states", org.owner)}
    assert state[careless.user_id]["status"] == "paused" and state[careless.user_id]["paused_at"]
    rows = {r["user_id"]: r for r in get(client, f"/api/v1/projects/{pid}/quality/annotators", org.owner)}
    assert rows[careless.user_id]["status"] == "paused"
    reinstated = client.post(
        f"/api/v1/projects/{pid}/annotators/{careless.user_id}/reinstate", headers=org.owner.headers
    )
    assert reinstated.status_code == 200 and reinstated.json()["status"] == "active"
    # The running score restarts: two more gold answers (right this time), then real work.
    seen, last = _work(client, pid, careless, lambda t: "positive")
    assert seen[:2] == ["g2", "g3"] and sorted(seen[2:]) == ["r0", "r1", "r2"]
    assert last.json()["task"] is None


def test_a_manager_can_pause_anyone_in_any_project(org, client):
    pid = org.project(label_schema=CHOICE_SCHEMA)["id"]
    org.add_items(pid, [{"text": "a"}, {"text": "b"}])
    annotator = org.member()
    paused = client.post(
        f"/api/v1/projects/{pid}/annotators/{annotator.user_id}/pause",
        json={"reason": "spam"},
        headers=org.owner.headers,
    )
    assert paused.status_code == 200 and paused.json()["reason"] == "spam"
    refused = _next(client, pid, annotator)
    assert refused.status_code == 403 and refused.json()["error"]["details"] == {"status": "paused"}
    assert (
        client.post(
            f"/api/v1/projects/{pid}/annotators/999999999/pause", json={}, headers=org.owner.headers
        ).status_code
        == 404
    )
    client.post(f"/api/v1/projects/{pid}/annotators/{annotator.user_id}/reinstate", headers=org.owner.headers)
    assert _next(client, pid, annotator).json()["task"] is not None


def test_dynamic_overlap_gives_unsure_items_more_labels_up_to_the_maximum(org, client, monkeypatch):
    from assay.services import quality_queue

    # No rate limit between the empty-pool checks that trigger a refresh.
    monkeypatch.setattr(quality_queue, "DYNAMIC_REFRESH_SECONDS", 0.0)
    pid = org.project(label_schema=CHOICE_SCHEMA, overlap=2, max_overlap=3, confidence_threshold=0.9)["id"]
    org.add_items(pid, [{"text": "agreed"}, {"text": "split"}])
    first, second, third, fourth = (org.member() for _ in range(4))
    _work(client, pid, first, lambda t: "positive")
    _work(client, pid, second, lambda t: "positive" if t == "agreed" else "negative")
    # Both items have their base two labels; "split" is 50/50, so the next person gets it (and only it).
    seen, _ = _work(client, pid, third, lambda t: "positive")
    assert seen == ["split"]
    ids = items_by_text(client, org, pid)
    detail = get(client, f"/api/v1/projects/{pid}/items/{ids['split']}", org.owner)
    assert len(detail["annotations"]) == 3 and detail["complete"] is True
    # Still unsure (2/3 < 0.9) but at the maximum of three labels: nothing more.
    seen, _ = _work(client, pid, fourth, lambda t: "positive")
    assert seen == []
    consensus = get(client, f"/api/v1/projects/{pid}/items/{ids['split']}/consensus", org.owner)
    assert consensus["sentiment"]["n_labels"] == 3 and consensus["sentiment"]["value"] == "positive"
