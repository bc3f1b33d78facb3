"""The leaderboard page in headless Chromium: SVG plot with intervals, table, categories, style control."""

from __future__ import annotations

import itertools

import pytest

from tests.rewards.comparisons import COMPARISON_SCHEMA, by_rank, comparison, judge_all
from tests.web.conftest import login

pytestmark = pytest.mark.browser
STRENGTH = {"alpha": 3, "beta": 2, "gamma": 1}


def test_leaderboard_page_plots_ratings_with_intervals(page, org, client, tmp_path):
    project = org.project(name="Model arena", label_schema=COMPARISON_SCHEMA)
    pid = project["id"]
    rows = [comparison(f"prompt {i}", f"{a}: {i}", f"{b}: {i}" + "!" * i, a, b, category="code" if i % 2 else "chat")
            for i in range(4) for a, b in itertools.permutations(STRENGTH, 2)]  # fmt: skip
    org.add_items(pid, rows)
    judge_all(client, pid, org.member(), by_rank(STRENGTH))
    manager = org.member("manager")
    login(page, manager.email)
    page.goto(f"/projects/{pid}/manage")
    page.click("#leaderboard-link")
    page.wait_for_url(f"**/projects/{pid}/leaderboard")
    page.wait_for_selector("#plot svg circle.rating")
    assert page.text_content("#project-name") == "Model arena — leaderboard"
    plotted = page.eval_on_selector_all("#plot g.model-row", "gs => gs.map(g => g.dataset.model)")
    assert plotted == ["alpha", "beta", "gamma"]
    # Each whisker spans the interval around its dot, and better models sit further right.
    geometry = page.eval_on_selector_all(
        "#plot g.model-row",
        "gs => gs.map(g => [+g.querySelector('line.ci').getAttribute('x1'), +g.querySelector('circle').getAttribute('cx'),"
        " +g.querySelector('line.ci').getAttribute('x2')])",
    )
    assert all(lo <= dot <= hi for lo, dot, hi in geometry)
    assert geometry[0][1] > geometry[1][1] > geometry[2][1]
    table = page.eval_on_selector_all("#ratings tr", "rs => rs.map(r => r.dataset.model)")
    assert table == ["alpha", "beta", "gamma"]
    assert page.text_content("#ratings tr:first-child td:last-child") == "100%"
    assert page.locator("#wins svg rect.win-cell").count() == 9
    assert "24 judgments" in page.text_content("#summary")
    page.screenshot(path=str(tmp_path / "leaderboard.png"), full_page=True)

    page.select_option("#category", "code")
    assert page.locator("#ratings tr").count() == 3
    assert (
        page.text_content("#ratings tr:first-child td:nth-child(5)") == "8"
    )  # 12 code battles, 2 sides each / 3

    page.click("#summary")  # focus off the select so the shortcut applies
    page.keyboard.press("s")
    page.wait_for_selector("#summary:has-text('length coefficient')")
    assert page.is_checked("#style")
    assert page.get_attribute("#csv-link", "href").endswith("format=csv&style=true")
    csv = page.request.get(page.get_attribute("#csv-link", "href"))
    assert csv.ok and csv.text().startswith("category,rank,model")


def test_leaderboard_page_shows_an_error_without_judgments(page, org):
    pid = org.project(label_schema=COMPARISON_SCHEMA)["id"]
    login(page, org.member("manager").email)
    page.goto(f"/projects/{pid}/leaderboard")
    message = page.wait_for_selector("#message:not([hidden])")
    assert "no pairwise judgments" in message.text_content()
