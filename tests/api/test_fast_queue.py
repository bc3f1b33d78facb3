"""The queue's fast path (``assay.api.fast_queue``) answers exactly as the FastAPI routes would."""

from __future__ import annotations

import pytest

from assay.api import fast_queue


@pytest.fixture
def served(monkeypatch):
    """Count the requests the fast path served itself (rather than handing them to FastAPI)."""
    calls: list[str] = []
    real = fast_queue.QueueFastPath._serve

    async def counting(self, scope, match, work):  # type: ignore[no-untyped-def]
        calls.append(scope["path"])
        return await real(self, scope, match, work)

    monkeypatch.setattr(fast_queue.QueueFastPath, "_serve", counting)
    return calls


def _project_with_task(org, client, served=None):
    pid = org.project()["id"]
    org.texts(pid, 3)
    annotator = org.member()
    task = client.post(f"/api/v1/projects/{pid}/tasks/next", headers=annotator.headers).json()["task"]
    if served is not None:
        assert served == [f"/api/v1/projects/{pid}/tasks/next"]
        served.clear()
    return pid, annotator, task


def test_the_labeling_loop_runs_on_the_fast_path_with_security_headers(org, client, served):
    pid, annotator, task = _project_with_task(org, client, served)
    response = client.post(
        f"/api/v1/projects/{pid}/tasks/{task['lease_id']}/submit",
        json={"value": {"sentiment": "positive"}, "next": True},
        headers=annotator.headers,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["annotation"]["item_id"] == task["item"]["id"] and body["replayed"] is False
    assert body["task"]["item"]["id"] != task["item"]["id"]
    assert body["annotation"]["created_at"].endswith("Z")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["content-type"] == "application/json"
    skipped = client.post(
        f"/api/v1/projects/{pid}/tasks/{body['task']['lease_id']}/skip",
        json={"next": True},
        headers=annotator.headers,
    )
    assert skipped.status_code == 200 and skipped.json()["task"]["lease_id"] != body["task"]["lease_id"]
    assert len(served) == 2


def test_bodies_that_do_not_validate_get_fastapis_errors(org, client, served):
    pid, annotator, task = _project_with_task(org, client, served)
    url = f"/api/v1/projects/{pid}/tasks/{task['lease_id']}/submit"
    broken = client.post(
        url, content=b'{"value": {', headers={**annotator.headers, "content-type": "application/json"}
    )
    assert broken.status_code == 400 and broken.json()["error"]["code"] == "invalid_json"
    missing = client.post(url, json={"next": True}, headers=annotator.headers)
    assert missing.status_code == 422
    assert missing.json()["error"]["details"][0]["loc"] == ["value"]
    extra = client.post(url, json={"value": {}, "surprise": 1}, headers=annotator.headers)
    assert extra.status_code == 422
    long_key = client.post(
        url,
        json={"value": {"sentiment": "positive"}},
        headers={**annotator.headers, "Idempotency-Key": "k" * 101},
    )
    assert long_key.status_code == 422
    assert served == []  # every one of them went through FastAPI's validation
    schema_breaking = client.post(url, json={"value": {"sentiment": "sideways"}}, headers=annotator.headers)
    assert schema_breaking.status_code == 422
    assert "sentiment" in schema_breaking.json()["error"]["message"]
    assert len(served) == 1


def test_credentials_and_scoping_errors_match_the_rest_of_the_api(org, client, served):
    pid, annotator, task = _project_with_task(org, client, served)
    anonymous = client.post(f"/api/v1/projects/{pid}/tasks/next")
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "unauthenticated"
    assert anonymous.headers["www-authenticate"] == "Bearer"
    bad_scheme = client.post(f"/api/v1/projects/{pid}/tasks/next", headers={"Authorization": "Basic x"})
    assert bad_scheme.status_code == 401
    revoked = client.post(f"/api/v1/projects/{pid}/tasks/next", headers={"Authorization": "Bearer nope"})
    assert revoked.status_code == 401

    from tests.factories import OrgWorld

    stranger = OrgWorld.create(org.engine, client, name="elsewhere").member()
    foreign = client.post(f"/api/v1/projects/{pid}/tasks/next", headers=stranger.headers)
    unknown = client.post("/api/v1/projects/999999999/tasks/next", headers=stranger.headers)
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json()["error"]["code"] == unknown.json()["error"]["code"] == "not_found"
    others_lease = client.post(
        f"/api/v1/projects/{pid}/tasks/{task['lease_id']}/submit",
        json={"value": {"sentiment": "positive"}},
        headers=org.member().headers,
    )
    assert others_lease.status_code == 404
    out_of_range = client.post(f"/api/v1/projects/{2**63}/tasks/next", headers=annotator.headers)
    assert out_of_range.status_code == 422  # FastAPI's path validation, as before


def test_cookie_sessions_are_checked_for_cross_site_writes(org, client, served):
    pid = org.project()["id"]
    org.texts(pid, 2)
    member = org.member("annotator", password="a-long-password-1")
    client.cookies.clear()
    login = client.post("/api/v1/auth/login", json={"email": member.email, "password": "a-long-password-1"})
    assert login.status_code == 200
    try:
        same_site = client.post(f"/api/v1/projects/{pid}/tasks/next", headers={"Sec-Fetch-Site": "same-origin"})
        assert same_site.status_code == 200 and same_site.json()["task"] is not None
        cross = client.post(f"/api/v1/projects/{pid}/tasks/next", headers={"Sec-Fetch-Site": "cross-site"})
        assert cross.status_code == 403
        evil = client.post(f"/api/v1/projects/{pid}/tasks/next", headers={"Origin": "https://evil.example"})
        assert evil.status_code == 403
    finally:
        client.post("/api/v1/auth/logout")
        client.cookies.clear()
    assert len(served) == 3


def test_oversized_bodies_get_413(org, client, settings):
    pid, annotator, task = _project_with_task(org, client)
    big = b'{"value": {"sentiment": "' + b"x" * (settings.max_body_bytes + 10) + b'"}}'
    response = client.post(
        f"/api/v1/projects/{pid}/tasks/{task['lease_id']}/submit",
        content=big,
        headers={**annotator.headers, "content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_other_routes_and_methods_pass_through(org, client, served):
    pid, annotator, _ = _project_with_task(org, client, served)
    assert client.get(f"/api/v1/projects/{pid}/tasks/next", headers=annotator.headers).status_code == 405
    assert client.get("/api/v1/health").json()["status"] == "ok"
    assert served == []
