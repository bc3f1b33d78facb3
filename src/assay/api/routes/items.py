"""Items: bulk import (upload of JSONL, CSV or Parquet, or a JSON list), list, read."""

from __future__ import annotations

import shutil
import tempfile
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from assay.api.deps import CurrentActor, ProjectDep, SessionDep, SettingsDep
from assay.api.schemas.common import Page
from assay.api.schemas.items import AnnotationPublic, ImportReportPublic, ItemDetail, ItemPublic, ItemsCreate
from assay.errors import InvalidInput
from assay.formats import Record, detect_format, iter_records
from assay.security.policies import ItemPolicy
from assay.services import items

router = APIRouter(tags=["items"])

MEDIA_TYPES = {
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
    "application/json": "jsonl",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "application/vnd.apache.parquet": "parquet",
    "application/x-parquet": "parquet",
}


@router.post("/projects/{project_id}/items/import", response_model=ImportReportPublic, status_code=201)
async def import_items(
    request: Request,
    project: ProjectDep,
    actor: CurrentActor,
    session: SessionDep,
    format: Annotated[str | None, Query(description="jsonl, csv, tsv or parquet")] = None,
    filename: str | None = None,
):
    """Import a file (raw body or multipart field ``file``); any bad row rejects all, listing every problem."""
    ItemPolicy.import_(actor)
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
        if content_type == "multipart/form-data":
            form = await request.form()
            upload = form.get("file")
            if upload is None or isinstance(upload, str):
                raise InvalidInput(
                    "send the file in a multipart field named 'file'",
                    details=[{"loc": ["file"], "msg": "missing"}],
                )
            filename = filename or upload.filename
            shutil.copyfileobj(upload.file, spool)
        else:
            async for chunk in request.stream():
                spool.write(chunk)
        spool.seek(0)
        fmt = format or (detect_format(filename) if filename else MEDIA_TYPES.get(content_type))
        if fmt is None:
            raise InvalidInput(
                "say which format this is: ?format=jsonl|csv|tsv|parquet, or a filename",
                details=[{"loc": ["format"], "msg": "missing"}],
            )
        records = iter_records(spool, fmt)
        return await run_in_threadpool(
            items.import_records, session=session, actor=actor, project=project, records=records
        )


@router.post("/projects/{project_id}/items", response_model=ImportReportPublic, status_code=201)
def create_items(body: ItemsCreate, project: ProjectDep, actor: CurrentActor, session: SessionDep):
    """Add up to 10,000 items from a JSON list, with the same rules as a file import."""
    records = (Record(line=i + 1, data=row) for i, row in enumerate(body.items))
    return items.import_records(session=session, actor=actor, project=project, records=records, source="api")


@router.get("/projects/{project_id}/items", response_model=Page[ItemPublic])
def list_items(
    project: ProjectDep,
    actor: CurrentActor,
    session: SessionDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1)] = 100,
    after: int | None = None,
    status: Annotated[str | None, Query(pattern="^(complete|incomplete|annotated|unannotated)$")] = None,
):
    """Items in id order (reviewers and up); pass ``next_cursor`` as ``after`` for the next page."""
    limit = min(limit, settings.page_size_max)
    rows = items.list_items(
        session=session, actor=actor, project=project, limit=limit, after=after, status=status
    )
    return Page[ItemPublic](items=rows, next_cursor=rows[-1].id if len(rows) == limit else None)


@router.get("/projects/{project_id}/items/{item_id}", response_model=ItemDetail)
def get_item(item_id: int, project: ProjectDep, actor: CurrentActor, session: SessionDep):
    """One item with all its annotations (reviewers and up)."""
    item, annotations = items.get_item(session=session, actor=actor, project=project, item_id=item_id)
    return ItemDetail(
        **ItemPublic.model_validate(item).model_dump(),
        annotations=[AnnotationPublic.model_validate(a) for a in annotations],
    )
