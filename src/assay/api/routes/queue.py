"""The labeling queue: next task, submit (optionally with the next task), skip."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Header

from assay.api.deps import CurrentActor, ProjectDep, SessionDep, SettingsDep
from assay.api.schemas.items import (
    AnnotationPublic,
    NextResponse,
    SkipRequest,
    SubmitRequest,
    SubmitResponse,
    TaskItem,
    TaskPublic,
)
from assay.db.queue import Lease
from assay.services import queue

router = APIRouter(tags=["queue"])


def _task(lease: Lease | None, project_id: int) -> TaskPublic | None:
    if lease is None:
        return None
    return TaskPublic(
        lease_id=lease.id,
        project_id=project_id,
        expires_at=datetime.fromtimestamp(lease.expires_at, UTC),
        item=TaskItem(id=lease.item_id, payload=lease.payload),
    )


@router.post("/projects/{project_id}/tasks/next", response_model=NextResponse)
def next_task(project: ProjectDep, actor: CurrentActor, session: SessionDep, settings: SettingsDep):
    """Lease the next item for you (or return the lease you already hold); ``task`` is null when done."""
    lease = queue.next_task(
        session=session, actor=actor, project=project, reap_interval=settings.reap_interval
    )
    return NextResponse(task=_task(lease, project.id))


@router.post("/projects/{project_id}/tasks/{lease_id}/submit", response_model=SubmitResponse)
def submit(
    lease_id: int,
    body: SubmitRequest,
    project: ProjectDep,
    actor: CurrentActor,
    session: SessionDep,
    settings: SettingsDep,
    idempotency_key: Annotated[str | None, Header(max_length=100)] = None,
):
    """Submit your answer for a lease; retries are safe. With ``next: true`` the next task comes back too."""
    result = queue.submit(
        session=session,
        actor=actor,
        project=project,
        lease_id=lease_id,
        value=body.value,
        idempotency_key=idempotency_key,
        then_next=body.next,
        reap_interval=settings.reap_interval,
    )
    return SubmitResponse(
        annotation=AnnotationPublic.model_validate(result.annotation),
        replayed=result.replayed,
        task=_task(result.next, project.id),
    )


@router.post("/projects/{project_id}/tasks/{lease_id}/skip", response_model=NextResponse)
def skip(
    lease_id: int,
    body: SkipRequest,
    project: ProjectDep,
    actor: CurrentActor,
    session: SessionDep,
    settings: SettingsDep,
):
    """Give the item back without labeling it; it will not be offered to you again."""
    lease = queue.skip(
        session=session,
        actor=actor,
        project=project,
        lease_id=lease_id,
        then_next=body.next,
        reap_interval=settings.reap_interval,
    )
    return NextResponse(task=_task(lease, project.id))
