"""The labeling queue: leases, overlap, skills, skip, expiry, idempotent submit."""

from __future__ import annotations

import time


def _next(client, pid, member):
    response = client.post(f"/api/v1/projects/{pid}/tasks/next", headers=member.headers)
    assert response.status_code == 200, response.text
    return response.json()["task"]


def _submit(client, pid, member, lease_id, value=None, **kwargs):
    body = {"value": value or {"sentiment": "positive"}, **kwargs}
    return client.post(
        f"/api/v1/projects/{pid}/tasks/{lease_id}/submit",
        json=body,
        headers=member.headers,
        **(
            {"headers": {**member.headers, **kwargs.pop("extra_headers")}}
            if "extra_headers" in kwargs
            else {}
        ),
    )


def test_overlap_is_exact_and_no_item_twice_to_one_annotator(org, client):
    pid = org.project(overlap=2)["id"]
    org.texts(pid, 3)
    people = [org.member() for _ in range(3)]
    done: dict[int, list[int]] = {}
    for person in people:
        task = _next(client, pid, person)
        while task:
            done.setdefault(task["item"]["id"], []).append(person.user_id)
            response = client.post(
                f"/api/v1/projects/{pid}/tasks/{task['lease_id']}/submit",
                json={"value": {"sentiment": "negative"}, "next": True},
                headers=person.headers,
            )
            task = response.json()["task"]
    assert sorted(len(v) for v in done.values()) == [2, 2, 2]
    assert all(len(set(v)) == len(v) for v in done.values())
    progress = client.get(f"/api/v1/projects/{pid}/progress", headers=org.owner.headers).json()
    assert progress == {**progress, "items": 3, "done": 3, "remaining": 0, "annotations": 6}


def test_priority_order(org, client):
    pid = org.project()["id"]
    org.add_items(pid, [{"text": "low", "priority": 1}, {"text": "high", "priority": 9}, {"text": "mid"}])
    annotator = org.member()
    texts = []
    task = _next(client, pid, annotator)
    while task:
        texts.append(task["item"]["payload"]["text"])
        task = client.post(
            f"/api/v1/projects/{pid}/tasks/{task['lease_id']}/skip",
            json={"next": True},
            headers=annotator.headers,
        ).json()["task"]
    assert texts == ["high", "low", "mid"]


def test_skip_returns_item_to_pool_for_others_but_not_for_me(org, client):
    pid = org.project()["id"]
    org.texts(pid, 1)
    first, second = org.member(), org.member()
    task = _next(client, pid, first)
    assert _next(client, pid, second) is None  # overlap 1, leased
    skipped = client.post(
        f"/api/v1/projects/{pid}/tasks/{task['lease_id']}/skip", json={}, headers=first.headers
    )
    assert skipped.status_code == 200 and skipped.json()["task"] is None
    assert _next(client, pid, first) is None
    assert _next(client, pid, second)["item"]["id"] == task["item"]["id"]


def test_expired_lease_goes_back_to_the_pool_and_late_submit_when_room(org, client):
    pid = org.project(lease_seconds=10)["id"]
    org.texts(pid, 1)
    slow, fast = org.member(), org.member()
    task = _next(client, pid, slow)
    assert _next(client, pid, fast) is None
    _expire(org.engine, task["lease_id"])
    other = _next(client, pid, fast)
    assert other["item"]["id"] == task["item"]["id"]
    late = _submit(client, pid, slow, task["lease_id"])
    assert late.status_code == 409 and "expired" in late.json()["error"]["message"]
    assert _submit(client, pid, fast, other["lease_id"]).status_code == 200


def test_late_submit_accepted_when_item_still_has_room(org, client):
    pid = org.project(lease_seconds=10, overlap=2)["id"]
    org.texts(pid, 1)
    slow = org.member()
    task = _next(client, pid, slow)
    _expire(org.engine, task["lease_id"])
    _next(client, pid, org.member())  # sweeps the expired lease
    late = _submit(client, pid, slow, task["lease_id"])
    assert late.status_code == 200, late.text


def _expire(engine, lease_id: int) -> None:
    from sqlalchemy import text

    with engine.begin() as conn:
        conn.execute(
            text("UPDATE assignments SET expires_at = :t WHERE id = :i"),
            {"t": time.time() - 1, "i": lease_id},
        )


def test_submit_is_idempotent_by_lease_and_by_key(org, client):
    pid = org.project()["id"]
    org.texts(pid, 3)
    annotator = org.member()
    task = _next(client, pid, annotator)
    url = f"/api/v1/projects/{pid}/tasks/{task['lease_id']}/submit"
    first = client.post(url, json={"value": {"sentiment": "positive"}}, headers=annotator.headers).json()
    retry = client.post(url, json={"value": {"sentiment": "positive"}}, headers=annotator.headers).json()
    assert retry["replayed"] is True and retry["annotation"]["id"] == first["annotation"]["id"]
    task = _next(client, pid, annotator)
    headers = {**annotator.headers, "Idempotency-Key": "k-1"}
    url = f"/api/v1/projects/{pid}/tasks/{task['lease_id']}/submit"
    a = client.post(url, json={"value": {"sentiment": "neutral"}}, headers=headers).json()
    b = client.post(url, json={"value": {"sentiment": "neutral"}}, headers=headers).json()
    assert a["annotation"]["id"] == b["annotation"]["id"] and b["replayed"]
    item = client.get(f"/api/v1/projects/{pid}/items/{task['item']['id']}", headers=org.owner.headers).json()
    assert len(item["annotations"]) == 1


def test_values_are_validated_against_the_schema(org, client):
    pid = org.project()["id"]
    org.add_items(pid, [{"text": "Ada Lovelace wrote code"}])
    annotator = org.member()
    task = _next(client, pid, annotator)
    url = f"/api/v1/projects/{pid}/tasks/{task['lease_id']}/submit"
    bad = client.post(url, json={"value": {"sentiment": "postive"}}, headers=annotator.headers)
    assert bad.status_code == 422 and "sentiment" in bad.json()["error"]["message"]
    out_of_text = {"sentiment": "positive", "entities": [{"start": 0, "end": 500, "label": "PER"}]}
    assert client.post(url, json={"value": out_of_text}, headers=annotator.headers).status_code == 422
    good = {"sentiment": "positive", "entities": [{"start": 0, "end": 12, "label": "PER"}]}
    response = client.post(url, json={"value": good}, headers=annotator.headers)
    assert response.status_code == 200
    assert response.json()["annotation"]["value"]["entities"][0]["text"] == "Ada Lovelace"


def test_required_skills_route_work(org, client):
    pid = org.project(required_skills=["medical"])["id"]
    org.texts(pid, 1)
    layperson = org.member(skills=["legal"])
    doctor = org.member(skills=["medical", "legal"])
    refused = client.post(f"/api/v1/projects/{pid}/tasks/next", headers=layperson.headers)
    assert refused.status_code == 403 and "medical" in refused.json()["error"]["message"]
    assert _next(client, pid, doctor) is not None


def test_someone_elses_lease_is_a_404(org, client):
    pid = org.project()["id"]
    org.texts(pid, 1)
    owner_of_lease, thief = org.member(), org.member()
    task = _next(client, pid, owner_of_lease)
    response = _submit(client, pid, thief, task["lease_id"])
    assert response.status_code == 404


def test_annotator_sees_own_stats_and_managers_see_everyone(org, client):
    pid = org.project()["id"]
    org.texts(pid, 2)
    annotator = org.member()
    task = _next(client, pid, annotator)
    _submit(client, pid, annotator, task["lease_id"])
    mine = client.get(f"/api/v1/projects/{pid}/annotators/me", headers=annotator.headers).json()
    assert mine["annotations"] == 1 and mine["median_seconds"] is not None
    assert client.get(f"/api/v1/projects/{pid}/annotators", headers=annotator.headers).status_code == 403
    table = client.get(f"/api/v1/projects/{pid}/annotators", headers=org.owner.headers).json()
    assert table[0]["email"] == annotator.email and table[0]["last_active"]
    assert client.get(f"/api/v1/projects/{pid}/progress", headers=annotator.headers).status_code == 403


def test_task_does_not_show_metadata_to_annotators(org, client):
    pid = org.project()["id"]
    org.add_items(pid, [{"text": "x", "meta": {"secret_note": "answer is positive"}}])
    task = _next(client, pid, org.member())
    assert "secret_note" not in str(task)
