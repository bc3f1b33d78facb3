"""Background jobs: status and progress, lists, cancel and resume (managers)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from assay.api.deps import CurrentActor, ProjectDep, SessionDep
from assay.api.schemas.llm import JobPublic
from assay.jobs import store

router = APIRouter(tags=["jobs"])

JobId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Status = Annotated[str | None, Query(pattern="^(queued|running|done|failed|cancelled)$")]


@router.get("/jobs", response_model=list[JobPublic])
def list_jobs(actor: CurrentActor, session: SessionDep, status: Status = None):
    """The organization's most recent jobs, newest first."""
    return store.list_jobs(session=session, actor=actor, status=status)


@router.get("/projects/{project_id}/jobs", response_model=list[JobPublic])
def list_project_jobs(project: ProjectDep, actor: CurrentActor, session: SessionDep, status: Status = None):
    """A project's most recent jobs, newest first."""
    return store.list_jobs(session=session, actor=actor, project=project, status=status)


@router.get("/jobs/{job_id}", response_model=JobPublic)
def get_job(job_id: JobId, actor: CurrentActor, session: SessionDep):
    """One job: status, progress (done / total / failed), error and result."""
    return store.get_job(session=session, actor=actor, job_id=job_id)


@router.post("/jobs/{job_id}/cancel", response_model=JobPublic)
def cancel_job(job_id: JobId, actor: CurrentActor, session: SessionDep):
    """Cancel a queued or running job; what it already wrote is kept."""
    return store.cancel(session=session, actor=actor, job_id=job_id)


@router.post("/jobs/{job_id}/resume", response_model=JobPublic)
def resume_job(job_id: JobId, actor: CurrentActor, session: SessionDep):
    """Queue a failed or cancelled job again (or a done one with failed items); generate resumes where it was."""
    return store.resume(session=session, actor=actor, job_id=job_id)
