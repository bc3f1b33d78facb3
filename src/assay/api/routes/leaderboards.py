"""Leaderboards of evaluation projects (JSON or CSV) and contamination checks of prompt sets."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import Field, model_validator

from assay.api.deps import CurrentActor, ProjectDep, SessionDep
from assay.api.schemas.common import Strict
from assay.services import leaderboards
from assay.services.projects import get_project

router = APIRouter(tags=["leaderboards"])


class ContaminationRequest(Strict):
    prompts: list[Annotated[str, Field(max_length=100_000)]] | None = Field(
        None, max_length=leaderboards.MAX_PROMPTS, description="Prompts to check."
    )
    prompt_project_id: int | None = Field(
        None, ge=1, description="Or: check this project's prompts (e.g. a private evaluation set)."
    )
    threshold: float = Field(
        0.8, gt=0, le=1, description="Jaccard similarity that counts as a near-duplicate."
    )

    @model_validator(mode="after")
    def _one_source(self) -> ContaminationRequest:
        if (self.prompts is None) == (self.prompt_project_id is None):
            raise ValueError("give either 'prompts' or 'prompt_project_id'")
        return self


@router.get("/projects/{project_id}/leaderboard", response_model=None)
def get_leaderboard(
    project: ProjectDep,
    actor: CurrentActor,
    session: SessionDep,
    format: Literal["json", "csv"] = "json",
    style: Annotated[bool, Query(description="Style control: adjust ratings for answer length.")] = False,
    method: Literal["newton", "mm"] = "newton",
    n_bootstrap: Annotated[int, Query(ge=0, le=1000)] = 100,
    question: str | None = None,
) -> dict[str, Any] | Response:
    """Bradley-Terry ratings with bootstrap 95% intervals, win rates and categories, from pairwise judgments."""
    board = leaderboards.project_leaderboard(
        session=session,
        actor=actor,
        project=project,
        question=question,
        style=style,
        method=method,
        n_bootstrap=n_bootstrap,
    )
    if format == "csv":
        return Response(
            leaderboards.leaderboard_csv(board),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="leaderboard-{project.id}.csv"'},
        )
    return board


@router.post("/projects/{project_id}/contamination")
def check_contamination(
    body: ContaminationRequest, project: ProjectDep, actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    """Which prompts appear (exactly or nearly) in this project's exportable texts."""
    prompt_project = (
        get_project(session=session, actor=actor, project_id=body.prompt_project_id)
        if body.prompt_project_id is not None
        else None
    )
    return leaderboards.check_contamination(
        session=session,
        actor=actor,
        project=project,
        prompts=body.prompts,
        prompt_project=prompt_project,
        threshold=body.threshold,
    )
