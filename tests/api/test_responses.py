"""Model responses on items: managers add and list them; nobody below manager sees them."""

from __future__ import annotations

from tests.api.llm_fixtures import CHAT_SCHEMA, chat


def _project_with_items(org, n=2):
    pid = org.project(label_schema=CHAT_SCHEMA)["id"]
    org.add_items(pid, [chat(f"question {i}") for i in range(n)])
    items = org.client.get(f"/api/v1/projects/{pid}/items", headers=org.owner.headers).json()["items"]
    return pid, [i["id"] for i in items]


def test_add_and_list_responses(org, client):
    pid, (first, second) = _project_with_items(org)
    manager = org.member("manager")
    body = {
        "responses": [
            {"item_id": first, "model": "m-a", "model_version": "1", "content": "A says"},
            {"item_id": first, "model": "m-b", "content": "B says", "latency_ms": 12.5},
            {"item_id": second, "model": "m-a", "model_version": "1", "content": "A again"},
        ]
    }
    created = client.post(f"/api/v1/projects/{pid}/responses", json=body, headers=manager.headers)
    assert created.status_code == 201, created.text
    assert [r["model"] for r in created.json()] == ["m-a", "m-b", "m-a"]
    page = client.get(f"/api/v1/projects/{pid}/responses", headers=manager.headers).json()
    assert (
        len(page["items"]) == 3
        and page["items"][1]["model_version"] == ""
        and page["items"][0]["status"] == "ok"
    )
    only = client.get(
        f"/api/v1/projects/{pid}/responses",
        params={"item_id": first, "model": "m-b"},
        headers=manager.headers,
    ).json()["items"]
    assert [r["content"] for r in only] == ["B says"]
    paged = client.get(
        f"/api/v1/projects/{pid}/responses", params={"limit": 2}, headers=manager.headers
    ).json()
    assert len(paged["items"]) == 2 and paged["next_cursor"] == paged["items"][-1]["id"]


def test_one_response_per_item_model_and_version(org, client):
    pid, (first, _) = _project_with_items(org)
    row = {"item_id": first, "model": "m", "model_version": "v1", "content": "x"}
    assert (
        client.post(
            f"/api/v1/projects/{pid}/responses", json={"responses": [row]}, headers=org.owner.headers
        ).status_code
        == 201
    )
    again = client.post(
        f"/api/v1/projects/{pid}/responses", json={"responses": [row]}, headers=org.owner.headers
    )
    assert again.status_code == 409
    other = client.post(
        f"/api/v1/projects/{pid}/responses",
        json={"responses": [{**row, "model_version": "v2"}]},
        headers=org.owner.headers,
    )
    assert other.status_code == 201


def test_responses_to_unknown_or_foreign_items_are_refused_whole(org, client):
    pid, (first, _) = _project_with_items(org)
    other_pid, (foreign, _) = _project_with_items(org)
    body = {
        "responses": [
            {"item_id": first, "model": "m", "content": "ok"},
            {"item_id": foreign, "model": "m", "content": "not here"},
        ]
    }
    response = client.post(f"/api/v1/projects/{pid}/responses", json=body, headers=org.owner.headers)
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["loc"] == ["responses", 1, "item_id"]
    assert client.get(f"/api/v1/projects/{pid}/responses", headers=org.owner.headers).json()["items"] == []


def test_annotators_and_reviewers_never_see_responses(org, client):
    pid, (first, _) = _project_with_items(org)
    client.post(
        f"/api/v1/projects/{pid}/responses",
        headers=org.owner.headers,
        json={"responses": [{"item_id": first, "model": "secret-model", "content": "x"}]},
    )
    for role in ("annotator", "reviewer"):
        member = org.member(role)
        assert client.get(f"/api/v1/projects/{pid}/responses", headers=member.headers).status_code == 403
        assert (
            client.post(
                f"/api/v1/projects/{pid}/responses",
                headers=member.headers,
                json={"responses": [{"item_id": first, "model": "m", "content": "x"}]},
            ).status_code
            == 403
        )


def test_other_organizations_get_404(org, client, engine):
    from tests.factories import OrgWorld

    pid, _ = _project_with_items(org)
    stranger = OrgWorld.create(engine, client, name="other-org-responses-" + str(pid))
    assert client.get(f"/api/v1/projects/{pid}/responses", headers=stranger.owner.headers).status_code == 404


def test_adding_responses_is_audited(org, client):
    pid, (first, _) = _project_with_items(org)
    client.post(
        f"/api/v1/projects/{pid}/responses",
        headers=org.owner.headers,
        json={"responses": [{"item_id": first, "model": "m", "content": "x"}]},
    )
    events = client.get("/api/v1/audit", headers=org.owner.headers)
    assert any(e["action"] == "responses.add" for e in events.json()["items"])
