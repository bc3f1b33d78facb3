"""Reward models: train on a project's preferences, list, score responses; next pairs to judge (active)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from assay.api.deps import CurrentActor, ProjectDep, SessionDep
from assay.api.schemas.llm import JobPublic
from assay.api.schemas.rewards import (
    NextComparisonsRequest,
    RewardModelCreate,
    RewardModelPublic,
    ScoreRequest,
)
from assay.services import rewards

router = APIRouter(tags=["rewards"])
RewardModelId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.post("/projects/{project_id}/reward-models", response_model=RewardModelPublic, status_code=201)
def train_reward_model(
    body: RewardModelCreate, project: ProjectDep, actor: CurrentActor, session: SessionDep
):
    """Train a Bradley-Terry reward model on the project's preferences; metrics are on held-out comparisons."""
    return rewards.train(session=session, actor=actor, project=project, **body.model_dump())


@router.post("/projects/{project_id}/reward-models/jobs", response_model=JobPublic, status_code=202)
def train_reward_model_job(
    body: RewardModelCreate, project: ProjectDep, actor: CurrentActor, session: SessionDep
):
    """Queue training as a background job (large projects); the job's result names the new reward model."""
    return rewards.start_training(session=session, actor=actor, project=project, params=body.model_dump())


@router.get("/projects/{project_id}/reward-models", response_model=list[RewardModelPublic])
def list_reward_models(project: ProjectDep, actor: CurrentActor, session: SessionDep):
    """The project's reward models, newest first."""
    return rewards.list_reward_models(session=session, actor=actor, project=project)


@router.get("/projects/{project_id}/reward-models/{reward_model_id}", response_model=RewardModelPublic)
def get_reward_model(
    reward_model_id: RewardModelId, project: ProjectDep, actor: CurrentActor, session: SessionDep
):
    """One reward model with its held-out accuracy and calibration."""
    return rewards.get_reward_model(
        session=session, actor=actor, project=project, reward_model_id=reward_model_id
    )


@router.post("/projects/{project_id}/reward-models/{reward_model_id}/score")
def score_responses(
    reward_model_id: RewardModelId,
    body: ScoreRequest,
    project: ProjectDep,
    actor: CurrentActor,
    session: SessionDep,
) -> dict[str, list[float]]:
    """Rewards of responses to prompts (compare rewards of answers to the same prompt)."""
    row = rewards.get_reward_model(
        session=session, actor=actor, project=project, reward_model_id=reward_model_id
    )
    scores = rewards.score(
        row=row, prompts=[i.prompt for i in body.items], responses=[i.response for i in body.items]
    )
    return {"scores": scores}


@router.post("/projects/{project_id}/comparisons/next")
def next_comparisons(
    body: NextComparisonsRequest, project: ProjectDep, actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    """The pairs most worth judging next (model uncertainty, rater disagreement); optionally queued as items."""
    row = (
        rewards.get_reward_model(
            session=session, actor=actor, project=project, reward_model_id=body.reward_model_id
        )
        if body.reward_model_id is not None
        else None
    )
    options = body.model_dump(exclude={"reward_model_id"})
    return rewards.next_comparisons(
        session=session, actor=actor, project=project, reward_model=row, **options
    )
