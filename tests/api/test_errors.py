"""Bad input: malformed JSON, wrong types, oversized bodies; every error is JSON, never a stack trace."""

from __future__ import annotations


def test_malformed_json_is_400_with_message(org, client):
    response = client.post(
        "/api/v1/projects",
        content=b'{"name": ',
        headers={**org.owner.headers, "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_json"


def test_wrong_types_and_unknown_fields_name_the_field(org, client):
    response = client.post(
        "/api/v1/projects",
        json={"name": "p", "label_schema": {}, "overlap": "many"},
        headers=org.owner.headers,
    )
    assert response.status_code == 422
    assert any(d["loc"] == ["overlap"] for d in response.json()["error"]["details"])
    typo = client.post(
        "/api/v1/projects", json={"name": "p", "label_schema": {}, "overlapp": 2}, headers=org.owner.headers
    )
    assert typo.status_code == 422 and "overlapp" in typo.json()["error"]["message"]


def test_oversized_body_is_413(org, client):
    big = {"name": "p", "label_schema": {}, "description": "x" * (300 * 1024)}
    response = client.post("/api/v1/projects", json=big, headers=org.owner.headers)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_unknown_route_and_method(client):
    assert client.get("/api/v1/nope").json()["error"]["code"] == "not_found"
    assert client.delete("/api/v1/health").status_code == 405


def test_huge_ids_are_404_not_500(org, client):
    assert client.get("/api/v1/projects/99999999999999999999", headers=org.owner.headers).status_code in (
        404,
        422,
    )


def test_unexpected_errors_hide_the_trace(app):
    from fastapi.testclient import TestClient

    @app.get("/api/v1/_boom_for_test")
    def boom():
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as local:
        response = local.get("/api/v1/_boom_for_test")
    assert response.status_code == 500
    assert "secret internals" not in response.text and "Traceback" not in response.text
    assert response.json()["error"]["code"] == "internal_error"


def test_openapi_is_served(client):
    spec = client.get("/api/openapi.json").json()
    assert "/api/v1/projects/{project_id}/tasks/next" in spec["paths"]
