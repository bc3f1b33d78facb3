"""The quality page in headless Chromium: figures, SVG plots, reinstating a paused annotator."""

from __future__ import annotations

import pytest

from tests.api.test_quality import crowd, items_by_text
from tests.web.conftest import login

pytestmark = pytest.mark.browser


def test_manager_reads_quality_plots_and_reinstates(page, org, client):
    pid, truth, good, odd = crowd(org, client)
    client.post(
        f"/api/v1/projects/{pid}/annotators/{odd.user_id}/pause",
        json={"reason": "spot check"},
        headers=org.owner.headers,
    )
    manager = org.member("manager")
    login(page, manager.email)
    page.goto(f"/projects/{pid}/manage")
    page.click("#quality-link")
    page.wait_for_url(f"**/projects/{pid}/quality")
    page.wait_for_selector("#agreement tr[data-question=sentiment]")
    assert page.text_content("[data-stat=annotations] dd") == "12"
    assert page.text_content("[data-stat=method] dd") == "majority_vote"
    row = page.text_content("#agreement tr[data-question=sentiment]")
    assert "single_choice" in row and "67%" in row  # (1/3 + 1/3 + 1 + 1) / 4
    # Accuracy plot: one interval and one dot per annotator, drawn as inline SVG.
    page.wait_for_selector("#accuracy-plot svg g.annotator")
    assert page.locator("#accuracy-plot g.annotator").count() == 3
    assert page.locator("#accuracy-plot line.interval").count() == 3
    page.select_option("#metric", "gold")
    assert page.locator("#accuracy-plot svg[data-metric=gold]").count() == 1
    assert page.locator("#accuracy-plot g.annotator").count() == 0  # no gold answers yet
    # Confusion matrix: 3×3 cells, the two contrary answers off the diagonal.
    page.wait_for_selector("#confusion-plot g.cell")
    assert page.locator("#confusion-plot g.cell").count() == 9
    assert page.get_attribute("#confusion-plot g.cell[data-row='0'][data-col='1']", "data-count") == "1"
    assert page.get_attribute("#confusion-plot g.cell[data-row='0'][data-col='0']", "data-count") == "5"
    ids = items_by_text(client, org, pid)
    disagreed = {int(r.get_attribute("data-item-id")) for r in page.query_selector_all("#disagreed tr")}
    assert {ids["t0"], ids["t1"]} <= disagreed
    # The paused annotator can be reinstated from the page.
    paused = page.locator(f"#annotators tr[data-user-id='{odd.user_id}']")
    assert "paused" in paused.text_content()
    paused.locator("button.reinstate").click()
    page.wait_for_selector(f"#annotators tr[data-user-id='{odd.user_id}'] .status-active")
    states = client.get(f"/api/v1/projects/{pid}/quality/states", headers=org.owner.headers).json()
    assert {s["user_id"]: s["reinstated_by"] for s in states}[odd.user_id] == manager.user_id


def test_annotators_get_no_figures(page, org, client):
    pid, *_ = crowd(org, client, n=2)
    annotator = org.member()
    login(page, annotator.email)
    page.goto(f"/projects/{pid}/quality")
    message = page.wait_for_selector("#message:not([hidden])")
    assert "reviewer" in message.text_content()
    assert page.locator("#accuracy-plot svg").count() == 0
