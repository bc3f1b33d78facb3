"""Leaderboards of comparison projects through the API: ratings, intervals, win rates, categories, CSV."""

from __future__ import annotations

import csv
import io
import itertools
import math

from tests.rewards.comparisons import COMPARISON_SCHEMA, by_rank, comparison, judge_all

STRENGTH = {"strong": 3, "mid": 2, "weak": 1}


def _arena(org, *, prompts: int = 6, overlap: int = 1, **project):
    pid = org.project(label_schema=COMPARISON_SCHEMA, overlap=overlap, **project)["id"]
    rows = []
    for i in range(prompts):
        for a, b in itertools.permutations(STRENGTH, 2):
            category = "coding" if i % 2 else "writing"
            rows.append(
                comparison(
                    f"prompt {i}",
                    f"{a}: answer {i}",
                    f"{b}: answer {i}" + " more" * i,
                    a,
                    b,
                    category=category,
                )
            )
    org.add_items(pid, rows)
    return pid


def _get(client, pid, member, **params):
    return client.get(f"/api/v1/projects/{pid}/leaderboard", params=params, headers=member.headers)


def test_ratings_order_intervals_and_win_rates(org, client):
    pid = _arena(org)
    assert judge_all(client, pid, org.member(), by_rank(STRENGTH)) == 36
    response = _get(client, pid, org.owner)
    assert response.status_code == 200, response.text
    board = response.json()
    assert board["n_battles"] == 36 and board["n_bootstrap"] == 100 and board["confidence"] == 0.95
    models = board["models"]
    assert [m["model"] for m in models] == ["strong", "mid", "weak"]
    for row in models:
        assert row["ci_low"] <= row["rating"] <= row["ci_high"]
        assert row["n_battles"] == 24 and all(math.isfinite(row[k]) for k in ("rating", "ci_low", "ci_high"))
    assert models[0]["win_rate"] == 1.0 and models[-1]["win_rate"] == 0.0
    assert models[0]["rank"] == 1
    wins = board["win_rates"]
    assert wins["models"] == ["strong", "mid", "weak"]
    assert wins["matrix"][0][1] == 1.0 and wins["matrix"][1][0] == 0.0 and wins["matrix"][0][0] is None
    assert set(board["categories"]) == {"coding", "writing"}
    assert [r["model"] for r in board["categories"]["coding"]] == ["strong", "mid", "weak"]
    assert sum(r["n_battles"] for r in board["categories"]["coding"]) == 36  # 18 battles, 2 sides each


def test_csv_export_and_options(org, client):
    pid = _arena(org, prompts=2)
    judge_all(client, pid, org.member(), by_rank(STRENGTH))
    response = _get(client, pid, org.owner, format="csv", n_bootstrap=10, method="mm")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0]) == [
        "category",
        "rank",
        "model",
        "rating",
        "ci_low",
        "ci_high",
        "n_battles",
        "win_rate",
    ]
    assert [r["model"] for r in rows if r["category"] == "overall"] == ["strong", "mid", "weak"]
    assert {r["category"] for r in rows} == {"overall", "coding", "writing"}
    newton = _get(client, pid, org.owner, n_bootstrap=0).json()["models"]
    mm = _get(client, pid, org.owner, n_bootstrap=0, method="mm").json()["models"]
    for a, b in zip(newton, mm, strict=True):
        assert abs(a["rating"] - b["rating"]) < 1e-3
    assert all(r["ci_low"] == r["rating"] == r["ci_high"] for r in newton)


def test_style_control_reports_length_coefficient(org, client):
    pid = _arena(org)
    judge_all(client, pid, org.member(), by_rank(STRENGTH))
    board = _get(client, pid, org.owner, style="true", n_bootstrap=5).json()
    assert board["method"] == "style_control"
    assert set(board["style_coef"]) == {"length"} and math.isfinite(board["style_coef"]["length"])
    assert [m["model"] for m in board["models"]][0] == "strong"


def test_every_annotator_counts_and_both_bad_is_a_tie(org, client):
    pid = _arena(org, prompts=1, overlap=2)
    judge_all(client, pid, org.member(), by_rank(STRENGTH))
    judge_all(client, pid, org.member(), lambda payload: "tie")
    board = _get(client, pid, org.owner, n_bootstrap=0).json()
    assert board["n_battles"] == 12
    strong = board["models"][0]
    assert strong["model"] == "strong" and strong["win_rate"] == 0.75  # 2 wins + 2 ties out of 4


def test_ties_only_cycles_and_a_model_that_never_wins_are_finite(org, client):
    pid = org.project(label_schema=COMPARISON_SCHEMA)["id"]
    org.add_items(pid, [comparison(f"p{i}", f"x{i}", f"y{i}", "x", "y") for i in range(3)])
    judge_all(client, pid, org.member(), lambda payload: "tie")
    tied = _get(client, pid, org.owner).json()["models"]
    assert abs(tied[0]["rating"] - tied[1]["rating"]) < 1e-9 and all(
        math.isfinite(r["ci_high"]) for r in tied
    )

    cycle = org.project(label_schema=COMPARISON_SCHEMA)["id"]
    org.add_items(cycle, [comparison("p", "a", "b", "a", "b"), comparison("q", "b", "c", "b", "c"),
                          comparison("r", "c", "a", "c", "a")])  # fmt: skip
    judge_all(client, cycle, org.member(), lambda payload: "A")
    ratings = [r["rating"] for r in _get(client, cycle, org.owner).json()["models"]]
    assert max(ratings) - min(ratings) < 1e-6

    loser = _arena(org, prompts=1)
    judge_all(client, loser, org.member(), by_rank(STRENGTH))
    models = _get(client, loser, org.owner).json()["models"]
    assert models[-1]["model"] == "weak" and models[-1]["win_rate"] == 0.0
    assert all(math.isfinite(m[k]) for m in models for k in ("rating", "ci_low", "ci_high"))


def test_versions_name_models_and_unjudged_or_foreign_projects(org, client):
    pid = org.project(label_schema=COMPARISON_SCHEMA)["id"]
    org.add_items(pid, [comparison("p", "one", "two", "m", "m2", version="v1")])
    empty = _get(client, pid, org.owner)
    assert empty.status_code == 422 and "no pairwise judgments" in empty.json()["error"]["message"]
    judge_all(client, pid, org.member(), lambda payload: "B")
    assert [m["model"] for m in _get(client, pid, org.owner).json()["models"]] == ["m2@v1", "m@v1"]
    text_project = org.project()["id"]
    assert _get(client, text_project, org.owner).status_code == 422
    assert _get(client, pid, org.owner, question="nope").status_code == 422
    assert _get(client, 10**9, org.owner).status_code == 404


def test_who_may_see_the_leaderboard(org, client):
    pid = _arena(org, prompts=1)
    judge_all(client, pid, org.member(), by_rank(STRENGTH))
    assert _get(client, pid, org.member("reviewer")).status_code == 200
    assert _get(client, pid, org.member("annotator")).status_code == 403
    assert client.get(f"/api/v1/projects/{pid}/leaderboard").status_code == 401


def test_judgments_of_paused_annotators_are_left_out(org, client):
    pid = _arena(org, prompts=1, overlap=2)
    honest, contrarian = org.member(), org.member()
    judge_all(client, pid, honest, by_rank(STRENGTH))
    judge_all(client, pid, contrarian, by_rank({k: -v for k, v in STRENGTH.items()}))
    assert _get(client, pid, org.owner, n_bootstrap=0).json()["n_battles"] == 12
    paused = client.post(f"/api/v1/projects/{pid}/annotators/{contrarian.user_id}/pause",
                         json={"reason": "failed gold"}, headers=org.owner.headers)  # fmt: skip
    assert paused.status_code == 200, paused.text
    board = _get(client, pid, org.owner, n_bootstrap=0).json()
    assert board["n_battles"] == 6 and board["models"][0]["win_rate"] == 1.0
    client.post(
        f"/api/v1/projects/{pid}/annotators/{contrarian.user_id}/reinstate", headers=org.owner.headers
    )
    assert _get(client, pid, org.owner, n_bootstrap=0).json()["n_battles"] == 12


def test_both_bad_counts_as_a_tie_for_ratings_and_no_pair_for_rewards(org, client):
    schema = {**COMPARISON_SCHEMA, "questions": [{"name": "preference", "kind": "pairwise", "allow_tie": True,
                                                 "allow_both_bad": True}]}  # fmt: skip
    pid = org.project(label_schema=schema)["id"]
    org.add_items(pid, [comparison(f"p{i}", f"x{i}", f"y{i}", "x", "y") for i in range(4)])
    choices = iter(["both_bad", "both_bad", "A", "B"])
    judge_all(client, pid, org.member(), lambda payload: next(choices))
    board = _get(client, pid, org.owner, n_bootstrap=0).json()
    assert board["n_battles"] == 4 and [m["win_rate"] for m in board["models"]] == [0.5, 0.5]
    trained = client.post(
        f"/api/v1/projects/{pid}/reward-models", json={"encoder": "hashing"}, headers=org.owner.headers
    )
    assert trained.status_code == 422 and "got 2" in trained.json()["error"]["message"]
