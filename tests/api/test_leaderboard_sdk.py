"""The SDK's evaluation methods against the real app: leaderboard, CSV, contamination, reward models."""

from __future__ import annotations

from assay.sdk import Client
from tests.rewards.comparisons import COMPARISON_SCHEMA, comparison, judge_all
from tests.rewards.synthetic import EVASIVE, TOPICS


def test_sdk_leaderboard_contamination_and_rewards(org, client):
    sdk = Client("http://testserver", org.owner.token, http=client, backoff=0)
    pid = sdk.create_project(name="arena", label_schema=COMPARISON_SCHEMA).id
    rows = [
        comparison(prompt, good, EVASIVE[i % 5], "helper", "evasive")
        for i, (prompt, good) in enumerate(TOPICS)
    ]
    rows += [comparison(f"x{i}", "helper: hi", "mid: hi", "helper", "mid") for i in range(3)]
    sdk.add_items(pid, rows)
    judge_all(client, pid, org.member(), lambda p: "B" if p["responses"][0]["content"] in EVASIVE else "A")
    board = sdk.leaderboard(pid, n_bootstrap=20)
    assert [m["model"] for m in board["models"]][0] == "helper" and board["n_battles"] == len(TOPICS) + 3
    assert sdk.leaderboard_csv(pid, n_bootstrap=0).splitlines()[0].startswith("category,rank,model,rating")
    report = sdk.check_contamination(pid, [TOPICS[0][0], "unseen prompt about nothing at all"])
    assert report["contaminated"] == 1
    rm = sdk.train_reward_model(pid, encoder="hashing", name="sdk")
    assert rm.n_pairs == len(TOPICS) + 3 and rm.metrics["heldout"]["accuracy"] is not None
    assert [m.id for m in sdk.reward_models(pid)] == [rm.id] and sdk.reward_model(pid, rm.id).name == "sdk"
    good, bad = sdk.score_responses(pid, rm.id, [(TOPICS[1][0], TOPICS[1][1]), (TOPICS[1][0], EVASIVE[0])])
    assert good > bad
    job = sdk.start_reward_model_training(pid, encoder="hashing")
    assert job["kind"] == "train_reward_model" and job["status"] == "queued"
    batch = sdk.next_comparisons(pid, 2, reward_model_id=rm.id)
    assert len(batch["pairs"]) == 2 and batch["created"] == 0
