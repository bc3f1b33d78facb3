"""The labeling loop end to end through the API."""


def test_label_loop(org, client):
    project = org.project(overlap=2)
    org.texts(project["id"], 3)
    annotator = org.member("annotator")
    url = f"/api/v1/projects/{project['id']}/tasks"
    task = client.post(f"{url}/next", headers=annotator.headers).json()["task"]
    assert task["item"]["payload"]["text"].startswith("text number")
    again = client.post(f"{url}/next", headers=annotator.headers).json()["task"]
    assert again["lease_id"] == task["lease_id"]
    seen = set()
    while task:
        seen.add(task["item"]["id"])
        r = client.post(
            f"{url}/{task['lease_id']}/submit",
            json={"value": {"sentiment": "positive"}, "next": True},
            headers=annotator.headers,
        )
        assert r.status_code == 200, r.text
        task = r.json()["task"]
    assert len(seen) == 3
    progress = client.get(f"/api/v1/projects/{project['id']}/progress", headers=org.owner.headers).json()
    assert progress["annotations"] == 3 and progress["done"] == 0 and progress["in_progress"] == 3
