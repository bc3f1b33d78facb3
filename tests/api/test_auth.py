"""Authentication: tokens, sessions, CSRF, and what a stranger gets."""

from __future__ import annotations

import pytest


def test_unauthenticated_requests_get_401_json(client):
    response = client.get("/api/v1/projects")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    assert client.get("/api/v1/projects", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/api/v1/projects", headers={"Authorization": "Basic abc"}).status_code == 401


def test_token_created_once_listed_without_secret_and_revoked_at_once(org, client):
    created = client.post("/api/v1/tokens", json={"name": "ci"}, headers=org.owner.headers)
    assert created.status_code == 201
    token = created.json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).json()["email"] == org.owner.email
    listed = client.get("/api/v1/tokens", headers=headers).json()
    assert all("token" not in row for row in listed)
    assert any(row["prefix"] and token.startswith(row["prefix"]) for row in listed)
    revoked = client.delete(f"/api/v1/tokens/{created.json()['id']}", headers=org.owner.headers)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_tokens_are_stored_hashed(org, client, engine):
    from sqlalchemy import text

    token = client.post("/api/v1/tokens", json={"name": "x"}, headers=org.owner.headers).json()["token"]
    with engine.connect() as conn:
        hashes = [row[0] for row in conn.execute(text("SELECT token_hash FROM api_tokens"))]
    assert token not in hashes and all(len(h) == 64 for h in hashes)


def test_another_members_token_cannot_be_revoked_by_an_annotator(org, client):
    annotator = org.member("annotator")
    owner_token = client.post("/api/v1/tokens", json={"name": "o"}, headers=org.owner.headers).json()
    response = client.delete(f"/api/v1/tokens/{owner_token['id']}", headers=annotator.headers)
    assert response.status_code == 404


def test_login_sets_httponly_cookie_and_session_works(org, client):
    member = org.member("annotator", password="a-long-password-1")
    client.cookies.clear()
    response = client.post(
        "/api/v1/auth/login", json={"email": member.email, "password": "a-long-password-1"}
    )
    assert response.status_code == 200
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert client.get("/api/v1/me").json()["user_id"] == member.user_id
    client.post("/api/v1/auth/logout")
    assert client.get("/api/v1/me").status_code == 401
    client.cookies.clear()


def test_wrong_password_and_unknown_user_look_the_same(org, client):
    member = org.member("annotator", password="a-long-password-1")
    wrong = client.post("/api/v1/auth/login", json={"email": member.email, "password": "nope-nope-nope"})
    unknown = client.post(
        "/api/v1/auth/login", json={"email": "ghost@example.com", "password": "nope-nope-nope"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    client.cookies.clear()


@pytest.mark.parametrize(
    "headers",
    [{"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}, {"Origin": "null"}],
)
def test_cookie_writes_from_other_sites_are_refused(org, client, headers):
    member = org.member("manager", password="a-long-password-1")
    client.cookies.clear()
    client.post("/api/v1/auth/login", json={"email": member.email, "password": "a-long-password-1"})
    response = client.post("/api/v1/projects", json={"name": "x", "label_schema": {}}, headers=headers)
    assert response.status_code == 403
    same = client.post("/api/v1/tokens", json={"name": "t"}, headers={"Sec-Fetch-Site": "same-origin"})
    assert same.status_code == 201
    client.cookies.clear()


def test_refuses_to_start_without_strong_secret(tmp_path):
    from assay.api import create_app
    from assay.errors import ConfigurationError
    from assay.settings import Settings

    with pytest.raises(ConfigurationError):
        create_app(Settings(home=tmp_path, dev=False, secret_key=None))
    with pytest.raises(ConfigurationError):
        create_app(Settings(home=tmp_path, dev=False, secret_key="changeme"))
    settings = Settings(home=tmp_path, dev=True)
    assert len(settings.resolved_secret()) >= 32
    assert settings.resolved_secret() == Settings(home=tmp_path, dev=True).resolved_secret()
