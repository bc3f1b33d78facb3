"""Exports of items with their annotations, streamed as JSONL or Parquet."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from assay.api.deps import CurrentActor, ProjectDep, SessionDep
from assay.formats import jsonl_chunks, parquet_chunks
from assay.services import exports

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
    batches = exports.iter_export_batches(
        engine=request.app.state.engine, project_id=project.id, status=status, since=since, until=until
    )
    if format == "parquet":
        body = parquet_chunks(batches, schema=exports.PARQUET_SCHEMA, json_columns=exports.JSON_COLUMNS)
    else:
        body = jsonl_chunks(row for batch in batches for row in batch)
    name = f"project-{project.id}.{format}"
    return StreamingResponse(
        body, media_type=MEDIA[format], headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
