"""Projects: schema validation and versions, settings, guidelines."""

from __future__ import annotations

from tests.factories import TEXT_SCHEMA


def test_create_project_from_yaml_schema(org, client):
    yaml_schema = """
inputs: [{name: text, type: text}]
questions:
  - {name: topic, kind: multi_choice, options: [sports, politics]}
  - {name: stars, kind: rating, min: 1, max: 5}
"""
    response = client.post(
        "/api/v1/projects",
        json={
            "name": "yaml",
            "label_schema": yaml_schema,
            "overlap": 3,
            "required_skills": ["legal"],
            "guidelines": "# Read me",
        },
        headers=org.owner.headers,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["overlap"] == 3 and body["required_skills"] == ["legal"] and body["schema_version"] == 1
    assert [q["kind"] for q in body["label_schema"]["questions"]] == ["multi_choice", "rating"]


def test_bad_schema_names_the_question(org, client):
    schema = {
        "inputs": [{"name": "text", "type": "text"}],
        "questions": [{"name": "boxes", "kind": "hexagon"}],
    }
    response = client.post(
        "/api/v1/projects", json={"name": "bad", "label_schema": schema}, headers=org.owner.headers
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "schema_error" and "boxes" in error["message"]


def test_annotators_cannot_create_projects(org, client):
    annotator = org.member("annotator")
    response = client.post(
        "/api/v1/projects", json={"name": "x", "label_schema": TEXT_SCHEMA}, headers=annotator.headers
    )
    assert response.status_code == 403


def test_duplicate_name_is_a_conflict(org, client):
    org.project(name="same")
    response = client.post(
        "/api/v1/projects", json={"name": "same", "label_schema": TEXT_SCHEMA}, headers=org.owner.headers
    )
    assert response.status_code == 409


def test_editing_schema_makes_a_new_version_and_old_annotations_keep_theirs(org, client):
    project = org.project()
    pid = project["id"]
    org.texts(pid, 2)
    annotator = org.member()
    task = client.post(f"/api/v1/projects/{pid}/tasks/next", headers=annotator.headers).json()["task"]
    client.post(
        f"/api/v1/projects/{pid}/tasks/{task['lease_id']}/submit",
        json={"value": {"sentiment": "neutral"}},
        headers=annotator.headers,
    )
    new_schema = {
        **TEXT_SCHEMA,
        "questions": [{"name": "sentiment", "kind": "single_choice", "options": ["good", "bad"]}],
    }
    updated = client.patch(
        f"/api/v1/projects/{pid}",
        json={"label_schema": new_schema, "guidelines": "v2"},
        headers=org.owner.headers,
    ).json()
    assert updated["schema_version"] == 2 and updated["guidelines_version"] == 2
    same = client.patch(
        f"/api/v1/projects/{pid}", json={"label_schema": new_schema}, headers=org.owner.headers
    )
    assert same.json()["schema_version"] == 2
    versions = client.get(f"/api/v1/projects/{pid}/schemas", headers=org.owner.headers).json()
    assert [v["version"] for v in versions] == [1, 2]
    item = client.get(f"/api/v1/projects/{pid}/items/{task['item']['id']}", headers=org.owner.headers).json()
    assert item["annotations"][0]["schema_version"] == 1
    task = client.post(f"/api/v1/projects/{pid}/tasks/next", headers=annotator.headers).json()["task"]
    old_answer = client.post(
        f"/api/v1/projects/{pid}/tasks/{task['lease_id']}/submit",
        json={"value": {"sentiment": "neutral"}},
        headers=annotator.headers,
    )
    assert old_answer.status_code == 422 and "sentiment" in old_answer.json()["error"]["message"]
    ok = client.post(
        f"/api/v1/projects/{pid}/tasks/{task['lease_id']}/submit",
        json={"value": {"sentiment": "good"}},
        headers=annotator.headers,
    )
    assert ok.json()["annotation"]["schema_version"] == 2


def test_settings_are_validated(org, client):
    for bad in ({"overlap": 0}, {"lease_seconds": 1}, {"priority_order": "chaos"}, {"name": ""}):
        body = {"name": "p", "label_schema": TEXT_SCHEMA, **bad}
        response = client.post("/api/v1/projects", json=body, headers=org.owner.headers)
        assert response.status_code == 422, bad
        assert next(iter(bad)) in response.json()["error"]["message"]


def test_archived_project_closes_its_queue(org, client):
    project = org.project()
    org.texts(project["id"], 1)
    client.delete(f"/api/v1/projects/{project['id']}", headers=org.owner.headers)
    assert project["id"] not in [
        p["id"] for p in client.get("/api/v1/projects", headers=org.owner.headers).json()
    ]
    response = client.post(f"/api/v1/projects/{project['id']}/tasks/next", headers=org.owner.headers)
    assert response.status_code == 409
