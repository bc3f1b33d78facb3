"""The jobs page in headless Chromium: status, progress, failures, escaping, cancel and resume."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from assay.db.models import Job, Project, utcnow
from assay.jobs import HANDLERS, enqueue
from tests.web.conftest import login

pytestmark = pytest.mark.browser

EVIL = '<img src=x onerror="window.pwned=1">'


@pytest.fixture
def jobs(org, engine, monkeypatch):
    """A project with a queued generate job, a done one with failures and a failed one; returns their ids."""
    kind = "test-" + secrets.token_hex(4)
    monkeypatch.setitem(HANDLERS, kind, "tests.jobs.test_store:_handler")
    pid = org.project(name="Prompts")["id"]
    actor = org.owner.actor(org.org_id)
    with Session(engine, expire_on_commit=False) as session:
        project = session.get(Project, pid)
        params = {"backend": "hf", "model": EVIL, "model_version": "v1"}
        queued = enqueue(session=session, actor=actor, project=project, kind="generate", params=params)
        done = enqueue(session=session, actor=actor, project=project, kind="generate", params=params)
        failed = enqueue(session=session, actor=actor, project=project, kind=kind, params={})
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            update(Job)
            .where(Job.id == done.id)
            .values(
                status="done",
                progress_done=5,
                progress_total=5,
                progress_failed=2,
                started_at=now,
                finished_at=now,
                attempts=1,
            )
        )
        conn.execute(
            update(Job)
            .where(Job.id == failed.id)
            .values(status="failed", error=f"worker died {EVIL}", started_at=now, finished_at=now, attempts=3)
        )
    return pid, queued.id, done.id, failed.id


def test_manager_sees_jobs_with_progress_and_failures_escaped(page, org, jobs):
    pid, queued, done, failed = jobs
    login(page, org.member("manager").email)
    page.goto(f"/projects/{pid}/manage")
    page.click("#jobs-link")
    page.wait_for_url(f"**/projects/{pid}/jobs")
    page.wait_for_selector(f"#jobs tr[data-job-id='{failed}']")
    assert page.text_content("#project-name") == "Prompts — jobs"
    assert page.locator("#jobs tr").evaluate_all("rows => rows.map(r => r.dataset.jobId)") == [
        str(failed),
        str(done),
        str(queued),
    ]
    done_row = page.locator(f"#jobs tr[data-job-id='{done}']")
    assert done_row.locator(".status").text_content() == "done"
    assert done_row.locator(".progress-count").text_content() == "5 / 5"
    assert done_row.locator(".failed-count").text_content() == "2"
    assert done_row.locator(".job-detail").text_content() == f"{EVIL}@v1 · hf"
    assert done_row.locator("button").text_content() == "Retry failed"
    failed_row = page.locator(f"#jobs tr[data-job-id='{failed}']")
    assert failed_row.locator(".job-error").text_content() == f"worker died {EVIL}"
    assert "3 attempts" in failed_row.text_content()
    # model names and errors are shown as text: no element was made from them, no script ran
    assert page.locator("#jobs img").count() == 0
    assert page.evaluate("() => window.pwned") is None


def test_cancel_and_resume_from_the_page(page, org, jobs):
    pid, queued, _done, failed = jobs
    login(page, org.member("manager").email)
    page.goto(f"/projects/{pid}/jobs")
    row = page.locator(f"#jobs tr[data-job-id='{queued}']")
    row.locator("button.cancel-job").click()
    page.wait_for_selector(f"#jobs tr[data-job-id='{queued}'][data-status='cancelled']")
    assert f"Job {queued} cancelled." in page.text_content("#message")
    row.locator("button.resume-job").click()
    page.wait_for_selector(f"#jobs tr[data-job-id='{queued}'][data-status='queued']")
    page.locator(f"#jobs tr[data-job-id='{failed}'] button.resume-job").click()
    page.wait_for_selector(f"#jobs tr[data-job-id='{failed}'][data-status='queued']")
    assert page.locator(f"#jobs tr[data-job-id='{failed}'] .job-error").count() == 0
    page.select_option("#status-filter", "queued")
    page.wait_for_function("() => document.querySelectorAll('#jobs tr').length === 2")


def test_annotators_get_no_link_and_a_clear_refusal(page, org, jobs):
    pid = jobs[0]
    login(page, org.member("annotator").email)
    page.goto(f"/projects/{pid}/label")
    page.wait_for_selector("#logout")
    assert page.locator("#jobs-link").count() == 0
    page.goto(f"/projects/{pid}/jobs")
    assert "manager role" in page.wait_for_selector("#message:not([hidden])").text_content()
