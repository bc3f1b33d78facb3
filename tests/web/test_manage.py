"""Logging in, the projects list and the manager page in headless Chromium."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import login

pytestmark = pytest.mark.browser


def test_log_in_with_the_form_and_see_projects_without_manage(page, org):
    project = org.project(name="Reviews batch 1", description="Product reviews")
    annotator = org.member("annotator")
    page.goto(f"/projects/{project['id']}/label")
    page.wait_for_url(re.compile(r"/login\?next="))
    page.fill("#email", annotator.email)
    page.fill("#password", "wrong-password-123")
    page.click("button[type=submit]")
    assert "wrong e-mail or password" in page.wait_for_selector("#message:not([hidden])").text_content()
    page.fill("#password", "member-password-123")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/projects/{project['id']}/label")
    page.click("text=Projects")
    row = page.wait_for_selector(f"[data-project-id='{project['id']}']")
    assert "Reviews batch 1" in row.text_content()
    assert row.query_selector(".label-link").get_attribute("href") == f"/projects/{project['id']}/label"
    assert row.query_selector(".manage-link") is None
    page.click("#logout")
    page.wait_for_url("**/login")
    page.goto("/")
    page.wait_for_url(re.compile(r"/login\?next=/$"))


def test_manager_sees_manage_link_and_progress(page, org, client):
    project = org.project(overlap=2)
    org.texts(project["id"], 4)
    annotator = org.member("annotator")
    url = f"/api/v1/projects/{project['id']}/tasks"
    task = client.post(f"{url}/next", headers=annotator.headers).json()["task"]
    for _ in range(2):
        task = client.post(
            f"{url}/{task['lease_id']}/submit",
            json={"value": {"sentiment": "positive"}, "next": True},
            headers=annotator.headers,
        ).json()["task"]
    manager = org.member("manager")
    login(page, manager.email)
    page.clock.install()  # so the 5-second refresh can be fast-forwarded
    page.goto("/")
    page.click(f"[data-project-id='{project['id']}'] .manage-link")
    page.wait_for_url(f"**/projects/{project['id']}/manage")
    page.wait_for_selector("#annotators tr")
    stat = {
        key: page.text_content(f"[data-stat={key}] dd")
        for key in ("items", "annotations", "annotations_wanted")
    }
    assert stat == {"items": "4", "annotations": "2", "annotations_wanted": "8"}
    assert page.get_attribute("#progress-bar", "value") == "0.25"
    assert "25%" in page.text_content("#progress-percent")
    row = page.locator(f"#annotators tr[data-user-id='{annotator.user_id}']")
    assert annotator.email in row.text_content()
    assert row.locator("td").nth(1).text_content() == "2"
    # auto-refresh picks up new work without a reload
    client.post(
        f"{url}/{task['lease_id']}/submit",
        json={"value": {"sentiment": "negative"}, "next": False},
        headers=annotator.headers,
    )
    page.clock.run_for(5000)
    page.wait_for_function(
        "() => document.querySelector('[data-stat=annotations] dd').textContent === '3'", timeout=8000
    )


def test_annotator_gets_a_clear_refusal_on_the_manage_page(page, org):
    project = org.project()
    login(page, org.member("annotator").email)
    page.goto(f"/projects/{project['id']}/manage")
    assert "reviewer role" in page.wait_for_selector("#message:not([hidden])").text_content()
