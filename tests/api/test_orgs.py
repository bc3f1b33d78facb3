"""Organizations, members, roles, and isolation between organizations."""

from __future__ import annotations

import secrets

from tests.factories import OrgWorld


def test_admin_adds_members_with_roles_and_skills(org, client):
    response = client.post(
        "/api/v1/members",
        json={"email": "Ann@Example.com", "role": "annotator", "skills": ["medical", "legal", "medical"]},
        headers=org.owner.headers,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["email"] == "ann@example.com" and body["skills"] == ["legal", "medical"]
    assert len(body["password"]) >= 12
    changed = client.patch(
        f"/api/v1/members/{body['user_id']}",
        json={"role": "reviewer", "skills": ["legal"]},
        headers=org.owner.headers,
    )
    assert changed.json()["role"] == "reviewer" and changed.json()["skills"] == ["legal"]
    emails = [m["email"] for m in client.get("/api/v1/members", headers=org.owner.headers).json()]
    assert "ann@example.com" in emails
    again = client.post("/api/v1/members", json={"email": "ann@example.com"}, headers=org.owner.headers)
    assert again.status_code == 409
    assert client.delete(f"/api/v1/members/{body['user_id']}", headers=org.owner.headers).status_code == 204


def test_roles_are_enforced(org, client):
    annotator = org.member("annotator")
    manager = org.member("manager")
    admin = org.member("admin")
    assert (
        client.post("/api/v1/members", json={"email": "x@example.com"}, headers=annotator.headers).status_code
        == 403
    )
    assert (
        client.post("/api/v1/members", json={"email": "x@example.com"}, headers=manager.headers).status_code
        == 403
    )
    owner_by_admin = client.post(
        "/api/v1/members", json={"email": "y@example.com", "role": "owner"}, headers=admin.headers
    )
    assert owner_by_admin.status_code == 403
    bad_role = client.post(
        "/api/v1/members", json={"email": "y@example.com", "role": "god"}, headers=admin.headers
    )
    assert bad_role.status_code == 422 and "role" in bad_role.text
    assert client.get("/api/v1/audit", headers=manager.headers).status_code == 403


def test_last_owner_cannot_leave(org, client):
    response = client.delete(f"/api/v1/members/{org.owner.user_id}", headers=org.owner.headers)
    assert response.status_code == 409


def test_other_organizations_data_is_a_404(org, client, engine):
    other = OrgWorld.create(engine, client, name=f"other-{secrets.token_hex(3)}")
    theirs = other.project()
    other.texts(theirs["id"], 2)
    mine = org.project()
    for path in ("", "/progress", "/items", "/export", "/schemas"):
        foreign = client.get(f"/api/v1/projects/{theirs['id']}{path}", headers=org.owner.headers)
        unknown = client.get(f"/api/v1/projects/999999999{path}", headers=org.owner.headers)
        assert foreign.status_code == unknown.status_code == 404, path
        assert foreign.json() == {
            **unknown.json(),
            "error": {**unknown.json()["error"], "message": foreign.json()["error"]["message"]},
        }
    assert (
        client.post(f"/api/v1/projects/{theirs['id']}/tasks/next", headers=org.owner.headers).status_code
        == 404
    )
    assert client.get(f"/api/v1/members/{other.owner.user_id}", headers=org.owner.headers).status_code == 404
    assert [p["id"] for p in client.get("/api/v1/projects", headers=org.owner.headers).json()] == [mine["id"]]


def test_user_creates_an_org_and_becomes_owner(org, client):
    created = client.post("/api/v1/orgs", json={"name": "Second Org"}, headers=org.owner.headers)
    assert created.status_code == 201 and created.json()["role"] == "owner"
    names = [o["name"] for o in client.get("/api/v1/orgs", headers=org.owner.headers).json()]
    assert "Second Org" in names


def test_state_changes_are_audited_and_log_is_append_only(org, client, engine):
    from sqlalchemy import text

    project = org.project()
    events = client.get("/api/v1/audit", headers=org.owner.headers).json()["items"]
    create = next(e for e in events if e["action"] == "project.create")
    assert create["object_id"] == str(project["id"]) and create["actor_id"] == org.owner.user_id
    assert create["ip"] and create["created_at"]
    with engine.connect() as conn:
        for statement in ("UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"):
            try:
                conn.execute(text(statement))
                raise AssertionError(f"{statement} was allowed")
            except Exception as error:  # noqa: BLE001 - either backend's error type
                assert "append-only" in str(error)
                conn.rollback()
