"""``assay leaderboard``, ``assay contamination`` and ``assay reward ...`` against the in-process app."""

from __future__ import annotations

import csv
import io
import json

from tests.rewards.comparisons import COMPARISON_SCHEMA, by_rank, comparison, judge_all
from tests.rewards.synthetic import EVASIVE, TOPICS


def _arena(org, client) -> int:
    pid = org.project(label_schema=COMPARISON_SCHEMA)["id"]
    rows = [comparison(f"p{i}", f"{a}: answer {i}", f"{b}: answer {i}", a, b, category="chat")
            for i in range(3) for a, b in (("gold", "silver"), ("silver", "bronze"), ("bronze", "gold"))]  # fmt: skip
    org.add_items(pid, rows)
    judge_all(client, pid, org.member(), by_rank({"gold": 3, "silver": 2, "bronze": 1}))
    return pid


def test_leaderboard_table_json_and_csv(run, remote, client):
    pid = _arena(remote, client)
    table = run("leaderboard", str(pid), "--bootstrap", "10")
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    order = [name for name in ("gold", "silver", "bronze") for line in lines if f" {name} " in line]
    assert order == ["gold", "silver", "bronze"] and "95% CI" in table.output
    assert "9 judgments, method newton, 10 bootstrap rounds" in table.output
    as_json = run("leaderboard", str(pid), "--json", "--bootstrap", "0", "--method", "mm")
    board = json.loads(as_json.output)
    assert board["method"] == "mm" and [m["model"] for m in board["models"]] == ["gold", "silver", "bronze"]
    as_csv = run("leaderboard", str(pid), "--csv", "--bootstrap", "0")
    rows = list(csv.DictReader(io.StringIO(as_csv.output)))
    assert [r["model"] for r in rows if r["category"] == "overall"] == ["gold", "silver", "bronze"]
    chat = run("leaderboard", str(pid), "--category", "chat", "--style", "--bootstrap", "0")
    assert chat.exit_code == 0 and "chat" in chat.output and "length coefficient" in chat.output


def test_leaderboard_errors_are_one_red_line(run, remote, client):
    pid = _arena(remote, client)
    assert run("leaderboard", str(pid), "--json", "--csv").exit_code == 1
    assert run("leaderboard", str(pid), "--method", "elo").exit_code == 1
    missing = run("leaderboard", str(pid), "--category", "nope", "--bootstrap", "0")
    assert missing.exit_code == 1 and "no category 'nope'" in missing.output
    empty = remote.project(label_schema=COMPARISON_SCHEMA)["id"]
    result = run("leaderboard", str(empty))
    assert (
        result.exit_code == 1
        and "no pairwise judgments" in result.output
        and "Traceback" not in result.output
    )


def test_contamination_command(run, remote, tmp_path):
    pid = remote.project()["id"]
    remote.add_items(
        pid, [{"text": "The quick brown fox jumps over the lazy dog near the river bank today."}]
    )
    prompts = tmp_path / "prompts.txt"
    prompts.write_text(
        "the quick brown fox jumps over the lazy dog near the river bank today\n\nA fresh prompt\n"
    )
    result = run("contamination", str(pid), "--prompts", str(prompts))
    assert result.exit_code == 0, result.output
    assert "1 of 2 prompts found" in result.output and "exact" in result.output
    report = json.loads(run("contamination", str(pid), "--prompts", str(prompts), "--json").output)
    assert report["contaminated"] == 1
    assert run("contamination", str(pid)).exit_code == 1


def test_reward_train_list_score_next(run, remote, client):
    pid = remote.project(label_schema=COMPARISON_SCHEMA)["id"]
    remote.add_items(
        pid, [comparison(p, g, EVASIVE[i % 5], "helper", "evasive") for i, (p, g) in enumerate(TOPICS)]
    )
    judge_all(client, pid, remote.member(), lambda p: "B" if p["responses"][0]["content"] in EVASIVE else "A")
    trained = run("reward", "train", str(pid), "--encoder", "hashing", "--name", "cli-rm")
    assert trained.exit_code == 0, trained.output
    assert "Trained reward model" in trained.output and "held-out (3 pairs): accuracy" in trained.output
    rm_id = trained.output.split("reward model ")[1].split(" ")[0]
    listed = run("reward", "list", str(pid))
    assert "cli-rm" in listed.output and "hashing" in listed.output
    scored = run("reward", "score", str(pid), rm_id, "--prompt", TOPICS[0][0],
                 "--response", "I don't know.", "--response", TOPICS[0][1])  # fmt: skip
    assert scored.exit_code == 0, scored.output
    body = [line for line in scored.output.splitlines() if line.startswith("│")]
    assert "boiling water" in body[0] and "I don't know" in body[1]  # best first
    nxt = run("reward", "next", str(pid), "-k", "2", "--model", rm_id)
    assert nxt.exit_code == 0 and "candidate pairs; 0 items created" in nxt.output
    assert run("reward", "score", str(pid), "999999", "--prompt", "p", "--response", "r").exit_code == 1
    queued = run("reward", "train", str(pid), "--encoder", "hashing", "--background")
    assert queued.exit_code == 0 and "(train_reward_model)" in queued.output
