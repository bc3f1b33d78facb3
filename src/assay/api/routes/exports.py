"""Exports of items with their annotations, streamed as JSONL or Parquet."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from assay.api.deps import CurrentActor, ProjectDep, SessionDep
from assay.formats import jsonl_chunks, parquet_chunks
from assay.formats.llm import PARQUET_SCHEMAS, training_batches
from assay.security.policies import ItemPolicy
from assay.services import consensus, exports

router = APIRouter(tags=["exports"])

MEDIA = {"jsonl": "application/x-ndjson", "parquet": "application/vnd.apache.parquet"}


@router.get("/projects/{project_id}/export")
def export(
    request: Request,
    project: ProjectDep,
    actor: CurrentActor,
    session: SessionDep,
    format: Literal["jsonl", "parquet"] = "jsonl",
    status: Annotated[Literal["all", "complete", "incomplete", "annotated", "unannotated"], Query()] = "all",
    since: datetime | None = None,
    until: datetime | None = None,
) -> StreamingResponse:
    """Stream the project's items with their annotations; filter by item status and annotation time."""
    exports.authorize_export(
        session=session,
        actor=actor,
        project=project,
        fmt=format,
        filters={"status": status, "since": since, "until": until},
    )
    consensus.ensure_fresh(request.app.state.engine, project)  # exports carry consensus; bring it up to date
    body = exports.export_chunks(
        engine=request.app.state.engine, project_id=project.id, fmt=format, status=status, since=since, until=until
    )
    name = f"project-{project.id}.{format}"
    return StreamingResponse(
        body, media_type=MEDIA[format], headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/projects/{project_id}/export/training")
def export_training(
    request: Request,
    project: ProjectDep,
    actor: CurrentActor,
    session: SessionDep,
    kind: Literal["sft", "preferences", "ranking_pairs"],
    format: Literal["jsonl", "parquet"] = "jsonl",
    question: str | None = None,
    status: Annotated[Literal["all", "complete", "incomplete", "annotated", "unannotated"], Query()] = "all",
    since: datetime | None = None,
    until: datetime | None = None,
) -> StreamingResponse:
    """Stream training data: SFT conversations, TRL preference pairs, or rankings expanded to pairs."""
    ItemPolicy.export(actor)
    name = exports.training_question(session=session, project=project, kind=kind, question=question)
    exports.authorize_export(
        session=session,
        actor=actor,
        project=project,
        fmt=f"{kind}.{format}",
        filters={"status": status, "since": since, "until": until, "question": name},
    )
    batches = exports.iter_export_batches(
        engine=request.app.state.engine, project_id=project.id, status=status, since=since, until=until
    )
    rows = training_batches(batches, kind, name, for_parquet=format == "parquet")
    if format == "parquet":
        body = parquet_chunks(rows, schema=PARQUET_SCHEMAS[kind], json_columns=())
    else:
        body = jsonl_chunks(row for batch in rows for row in batch)
    filename = f"project-{project.id}-{kind}.{format}"
    return StreamingResponse(
        body, media_type=MEDIA[format], headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )
