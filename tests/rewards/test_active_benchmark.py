"""The active-preference benchmark runs end to end on a small world and shows fewer judgments than random."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "active_preferences.py"


def test_small_benchmark_writes_curve_and_active_needs_fewer_judgments(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("active_preferences", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    code = module.main(["--seeds", "4", "--prompts", "60", "--test-prompts", "40", "--dim", "12",
                        "--budget", "160", "--out", str(tmp_path)])  # fmt: skip
    assert code == 0, capsys.readouterr().out
    svg = (tmp_path / "active_preferences.svg").read_text()
    assert svg.startswith("<svg") and svg.count("<polyline") == 3
    summary = json.loads((tmp_path / "active_preferences.json").read_text())
    assert summary["budgets"][0] == 20 and summary["budgets"][-1] == 160
    final = summary["accuracy"]
    assert final["information"][-1] >= final["random"][-1] - 0.01
