"""Active preference learning through the API: next pairs by model uncertainty and rater disagreement."""

from __future__ import annotations

from tests.rewards.comparisons import COMPARISON_SCHEMA, comparison, judge_all
from tests.rewards.synthetic import EVASIVE, TOPICS

ALTERNATIVE = "Here is a careful answer: "


def _pool_project(org, client, overlap: int = 1):
    """Per prompt: helper vs evasive and helper2 vs evasive judged; helper vs helper2 never compared."""
    pid = org.project(label_schema=COMPARISON_SCHEMA, overlap=overlap)["id"]
    rows = []
    for i, (prompt, good) in enumerate(TOPICS):
        bad = EVASIVE[i % len(EVASIVE)]
        rows.append(comparison(prompt, good, bad, "helper", "evasive", category="qa"))
        rows.append(comparison(prompt, bad, ALTERNATIVE + good.lower(), "evasive", "helper2", category="qa"))
    org.add_items(pid, rows)
    return pid


def _judge(payload):
    a, b = (r["content"] for r in payload["responses"])
    return "B" if a in EVASIVE else "A"


def _next(client, pid, member, **body):
    return client.post(f"/api/v1/projects/{pid}/comparisons/next", json=body, headers=member.headers)


def test_uncertain_pairs_come_first_and_can_be_queued(org, client):
    pid = _pool_project(org, client)
    judge_all(client, pid, org.member(), _judge)
    rm = client.post(
        f"/api/v1/projects/{pid}/reward-models", json={"encoder": "hashing"}, headers=org.owner.headers
    ).json()
    response = _next(client, pid, org.owner, k=5, reward_model_id=rm["id"])
    assert response.status_code == 200, response.text
    batch = response.json()
    assert batch["candidates"] == 3 * len(TOPICS) and batch["created"] == 0 and len(batch["pairs"]) == 5
    for pair in batch["pairs"]:
        assert {pair["A"]["model"], pair["B"]["model"]} == {"helper", "helper2"}  # the pair nobody could call
        assert 0 < pair["p_a"] < 1 and pair["votes"] == 0
    assert len({pair["prompt"] for pair in batch["pairs"]}) == 5  # one per prompt by default

    before = client.get(f"/api/v1/projects/{pid}/progress", headers=org.owner.headers).json()["items"]
    queued = _next(client, pid, org.owner, k=3, reward_model_id=rm["id"], create=True).json()
    assert queued["created"] == 3
    assert (
        client.get(f"/api/v1/projects/{pid}/progress", headers=org.owner.headers).json()["items"]
        == before + 3
    )
    new_items = client.get(
        f"/api/v1/projects/{pid}/items", params={"status": "unannotated"}, headers=org.owner.headers
    ).json()["items"]
    assert len(new_items) == 3
    meta = new_items[0]["meta"]
    assert {meta["comparison"]["A"]["model"], meta["comparison"]["B"]["model"]} == {"helper", "helper2"}
    assert meta["category"] == "qa" and meta["active"]["strategy"] == "uncertainty"
    assert len(new_items[0]["payload"]["responses"]) == 2
    annotator = org.member()
    task = client.post(f"/api/v1/projects/{pid}/tasks/next", headers=annotator.headers).json()["task"]
    assert set(task["item"]["payload"]) == {"messages", "responses"}  # blind: no model names for annotators
    assert "helper" not in str(task)
    again = _next(client, pid, org.owner, k=3, reward_model_id=rm["id"], create=True).json()
    assert again["created"] == 0  # the same pairs are not queued twice
    info = _next(client, pid, org.owner, k=4, reward_model_id=rm["id"], strategy="information").json()
    assert len(info["pairs"]) == 4 and all(p["score"] >= 0 for p in info["pairs"])


def test_rater_disagreement_brings_a_pair_back(org, client):
    pid = org.project(label_schema=COMPARISON_SCHEMA, overlap=2)["id"]
    org.add_items(
        pid,
        [comparison("contested", "one", "two", "m1", "m2"), comparison("clear", "three", "four", "m1", "m2")],
    )
    judge_all(client, pid, org.member(), lambda p: "A")
    judge_all(client, pid, org.member(), lambda p: "B" if p["responses"][0]["content"] == "one" else "A")
    batch = _next(client, pid, org.owner, k=1, strategy="disagreement").json()
    assert batch["pairs"][0]["prompt"] == "contested" and batch["pairs"][0]["disagreement"] == 1.0
    assert batch["pairs"][0]["votes"] == 2


def test_next_comparisons_errors_and_roles(org, client):
    pid = org.project(label_schema=COMPARISON_SCHEMA)["id"]
    org.add_items(pid, [comparison("p", "a", "b", "x", "y")])
    assert _next(client, pid, org.member("reviewer"), k=1).status_code == 403
    assert _next(client, pid, org.owner, k=0).status_code == 422
    assert _next(client, pid, org.owner, k=1, strategy="magic").status_code == 422
    assert _next(client, pid, org.owner, k=1, reward_model_id=10**6).status_code == 404
    assert len(_next(client, pid, org.owner, k=5).json()["pairs"]) == 1
    text = org.project()["id"]
    org.texts(text, 1)
    assert _next(client, text, org.owner, k=1).status_code == 422
