"""Contamination checks of prompt sets against a project's exportable texts, and private prompt sets."""

from __future__ import annotations

from tests.rewards.comparisons import COMPARISON_SCHEMA, comparison

TRAINING = [
    "Explain how photosynthesis turns sunlight, water and carbon dioxide into sugar and oxygen in plants.",
    "Write a short poem about the sea at night with the moon shining on the quiet waves.",
    "List three differences between mitochondria and chloroplasts in eukaryotic cells.",
]


def _check(client, pid, member, **body):
    return client.post(f"/api/v1/projects/{pid}/contamination", json=body, headers=member.headers)


def test_exact_and_near_duplicates_are_found(org, client):
    pid = org.project()["id"]
    org.add_items(pid, [{"text": t} for t in TRAINING])
    prompts = [
        "explain how PHOTOSYNTHESIS turns sunlight, water and carbon dioxide into sugar and oxygen in plants!",
        "Write a short poem about the sea at night with the moon shining on the quiet waves please.",
        "What is the capital of Mongolia and how many people live there today?",
    ]
    response = _check(client, pid, org.owner, prompts=prompts)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["n_prompts"] == 3 and report["contaminated"] == 2
    assert abs(report["contaminated_share"] - 2 / 3) < 1e-9
    kinds = {m["prompt_index"]: m["match"] for m in report["matches"]}
    assert kinds == {0: "exact", 1: "near"}
    assert report["matches"][1]["jaccard"] >= 0.8


def test_a_private_prompt_project_is_checked_by_name(org, client):
    training = org.project(label_schema=COMPARISON_SCHEMA)["id"]
    org.add_items(training, [comparison(TRAINING[2], "a: mitochondria make ATP", "b: ...", "a", "b")])
    prompts = org.project(label_schema=COMPARISON_SCHEMA, private=True)
    assert prompts["private"] is True
    org.add_items(
        prompts["id"],
        [comparison(TRAINING[2], "x", "y", "a", "b"), comparison("fresh prompt", "x", "y", "a", "b")],
    )
    report = _check(client, training, org.owner, prompt_project_id=prompts["id"]).json()
    assert report["n_prompts"] == 2 and report["contaminated"] == 1
    assert report["matches"][0]["prompt"] == TRAINING[2] and report["matches"][0]["match"] == "exact"


def test_contamination_input_errors_and_roles(org, client):
    pid = org.project()["id"]
    org.texts(pid, 2)
    assert _check(client, pid, org.owner).status_code == 422
    assert _check(client, pid, org.owner, prompts=["a"], prompt_project_id=pid).status_code == 422
    assert _check(client, pid, org.owner, prompts=["  "]).status_code == 422
    assert _check(client, pid, org.owner, prompts=["x"], threshold=0).status_code == 422
    assert _check(client, pid, org.owner, prompt_project_id=10**9).status_code == 404
    assert _check(client, pid, org.member("reviewer"), prompts=["text number 1"]).status_code == 403
    clean = _check(client, pid, org.owner, prompts=["nothing like it"]).json()
    assert clean["contaminated"] == 0 and clean["matches"] == []
    audit = client.get(
        "/api/v1/audit", params={"action": "project.contamination_check"}, headers=org.owner.headers
    )
    assert audit.status_code == 200 and len(audit.json()["items"]) == 1


def test_private_prompt_sets_hide_items_from_reviewers(org, client):
    project = org.project(label_schema=COMPARISON_SCHEMA, private=True)
    pid = project["id"]
    org.add_items(pid, [comparison("secret prompt", "x", "y", "a", "b")])
    reviewer, manager = org.member("reviewer"), org.member("manager")
    assert client.get(f"/api/v1/projects/{pid}/items", headers=reviewer.headers).status_code == 403
    assert client.get(f"/api/v1/projects/{pid}/export", headers=reviewer.headers).status_code == 403
    listed = client.get(f"/api/v1/projects/{pid}/items", headers=manager.headers)
    assert listed.status_code == 200 and len(listed.json()["items"]) == 1
    item_id = listed.json()["items"][0]["id"]
    assert client.get(f"/api/v1/projects/{pid}/items/{item_id}", headers=reviewer.headers).status_code == 403
    assert client.get(f"/api/v1/projects/{pid}/export", headers=manager.headers).status_code == 200
    public = org.project()["id"]
    org.texts(public, 1)
    assert client.get(f"/api/v1/projects/{public}/items", headers=reviewer.headers).status_code == 200
    opened = client.patch(f"/api/v1/projects/{pid}", json={"private": False}, headers=org.owner.headers)
    assert opened.status_code == 200 and opened.json()["private"] is False
    assert client.get(f"/api/v1/projects/{pid}/items", headers=reviewer.headers).status_code == 200
