"""Model responses on items (managers), the generate job that fills them, and comparison items."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from assay.api.deps import CurrentActor, ProjectDep, SessionDep, SettingsDep
from assay.api.schemas.common import Page
from assay.api.schemas.llm import (
    ComparisonsReport,
    ComparisonsRequest,
    GenerateRequest,
    JobPublic,
    ResponsePublic,
    ResponsesCreate,
)
from assay.services import comparisons, generate, responses
from assay.services.generate import GenerateParams
from assay.services.projects import get_project

router = APIRouter(tags=["responses"])


@router.get("/projects/{project_id}/responses", response_model=Page[ResponsePublic])
def list_responses(
    project: ProjectDep,
    actor: CurrentActor,
    session: SessionDep,
    settings: SettingsDep,
    item_id: int | None = None,
    model: str | None = None,
    status: Annotated[str | None, Query(pattern="^(ok|failed)$")] = None,
    after: int | None = None,
    limit: Annotated[int, Query(ge=1)] = 100,
):
    """Model responses in id order, with model names (managers only)."""
    limit = min(limit, settings.page_size_max)
    rows = responses.list_responses(
        session=session,
        actor=actor,
        project=project,
        item_id=item_id,
        model=model,
        status=status,
        after=after,
        limit=limit,
    )
    return Page[ResponsePublic](items=rows, next_cursor=rows[-1].id if len(rows) == limit else None)


@router.post("/projects/{project_id}/responses", response_model=list[ResponsePublic], status_code=201)
def add_responses(body: ResponsesCreate, project: ProjectDep, actor: CurrentActor, session: SessionDep):
    """Attach responses to items; all or nothing, one per item, model and version."""
    new = [responses.NewResponse(**r.model_dump()) for r in body.responses]
    return responses.add_responses(session=session, actor=actor, project=project, responses=new)


@router.post("/projects/{project_id}/generate", response_model=JobPublic, status_code=202)
def start_generate(
    body: GenerateRequest,
    project: ProjectDep,
    actor: CurrentActor,
    session: SessionDep,
    settings: SettingsDep,
):
    """Queue a generate job calling an OpenAI-compatible backend for items without a response yet."""
    params = GenerateParams.model_validate(body.model_dump())
    return generate.start_generate(
        session=session, actor=actor, project=project, params=params, settings=settings
    )


@router.post("/projects/{project_id}/comparisons", response_model=ComparisonsReport, status_code=201)
def make_comparisons(body: ComparisonsRequest, project: ProjectDep, actor: CurrentActor, session: SessionDep):
    """Create blind A/B comparison items from two or more models' responses (random order and pairs)."""
    source = (
        get_project(session=session, actor=actor, project_id=body.source_project_id)
        if body.source_project_id is not None
        else None
    )
    return comparisons.make_comparisons(
        session=session,
        actor=actor,
        project=project,
        source_project=source,
        models=body.models,
        pairs_per_prompt=body.pairs_per_prompt,
        all_pairs=body.all_pairs,
        seed=body.seed,
    )
