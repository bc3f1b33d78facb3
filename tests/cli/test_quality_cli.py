"""``assay quality``: figures as Rich tables, refresh, confusion, disagreements, reinstate (both databases)."""

from __future__ import annotations

from tests.api.test_quality import crowd, items_by_text


def test_quality_show_refresh_confusion_disagreements(run, remote, client):
    pid, truth, good, odd = crowd(remote, client)
    shown = run("quality", "show", str(pid))
    assert shown.exit_code == 0, shown.output
    assert "majority_vote consensus over 12 annotations of 4 items by 3 annotators" in shown.output
    assert "sentiment" in shown.output and "single_choice" in shown.output
    assert "75% [" in shown.output and "n=8" in shown.output  # agreement (6 of 8 answers) with its interval
    again = run("quality", "refresh", str(pid))
    assert again.exit_code == 0 and "Already up to date" in again.output
    forced = run("quality", "refresh", str(pid), "--force")
    assert forced.exit_code == 0 and "Recomputed consensus of 4 items" in forced.output
    matrix = run("quality", "confusion", str(pid), "--question", "sentiment")
    assert matrix.exit_code == 0 and "positive" in matrix.output and "consensus \\ given" in matrix.output
    one = run("quality", "confusion", str(pid), "--user", str(odd.user_id))
    assert one.exit_code == 0
    worst = run("quality", "disagreements", str(pid), "--limit", "2")
    ids = items_by_text(client, remote, pid)
    assert worst.exit_code == 0 and str(ids["t0"]) in worst.output and "0.67" in worst.output


def test_quality_errors_are_one_red_line(run, remote, client):
    pid, *_ = crowd(remote, client, n=2)
    bad = run("quality", "confusion", str(pid), "--question", "nope")
    assert bad.exit_code == 1 and "Error:" in bad.output and "Traceback" not in bad.output
    missing = run("quality", "show", "999999999")
    assert missing.exit_code == 1 and "not found" in missing.output


def test_quality_reinstate(run, remote, client):
    pid, truth, good, odd = crowd(remote, client, n=2)
    client.post(
        f"/api/v1/projects/{pid}/annotators/{odd.user_id}/pause", json={}, headers=remote.owner.headers
    )
    done = run("quality", "reinstate", str(pid), str(odd.user_id))
    assert done.exit_code == 0 and "active again" in done.output
    states = client.get(f"/api/v1/projects/{pid}/quality/states", headers=remote.owner.headers).json()
    assert {s["user_id"]: s["status"] for s in states}[odd.user_id] == "active"
