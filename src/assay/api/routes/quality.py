"""Quality: gold answers, consensus refresh, agreement, annotator reliability, confusion, disagreements,
and annotator standing (pause, reinstate)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.orm import Session

from assay.api.deps import CurrentActor, ProjectDep, SessionDep
from assay.api.schemas.quality import (
    AnnotatorQuality,
    AnnotatorStatePublic,
    ConfusionPublic,
    ConsensusValue,
    Disagreement,
    GoldPublic,
    GoldSet,
    MyStanding,
    PauseRequest,
    QualitySummary,
    RefreshResult,
)
from assay.db.models import Project
from assay.security.policies import Actor, ItemPolicy, QualityPolicy
from assay.services import audit, consensus, gold, qualification, quality
from assay.services.projects import schema_of

router = APIRouter(tags=["quality"])


def fresh(request: Request, session: Session, actor: Actor, project: Project, force: bool = False) -> bool:
    """Recompute the project's consensus if it is stale (in a write transaction of its own)."""
    QualityPolicy.read(actor)
    # End the request's transaction first: on SQLite it may hold the write lock (token last-used time).
    session.commit()
    return consensus.ensure_fresh(request.app.state.engine, project, force=force)


@router.get("/projects/{project_id}/quality", response_model=QualitySummary)
def quality_summary(request: Request, project: ProjectDep, actor: CurrentActor, session: SessionDep):
    """Agreement per question and counts; recomputed first if labels arrived since (reviewers and up)."""
    fresh(request, session, actor, project)
    return quality.summary(session=session, actor=actor, project=project)


@router.post("/projects/{project_id}/quality/refresh", response_model=RefreshResult)
def refresh(
    request: Request, project: ProjectDep, actor: CurrentActor, session: SessionDep, force: bool = False
):
    """Run the aggregation now if anything changed (``force`` to run regardless)."""
    recomputed = fresh(request, session, actor, project, force=force)
    if recomputed:
        audit.record(
            session, actor=actor, action="quality.refresh", object_type="project", object_id=project.id
        )
        session.commit()
    summary = quality.summary(session=session, actor=actor, project=project)
    return RefreshResult(recomputed=recomputed, summary=QualitySummary.model_validate(summary))


@router.get("/projects/{project_id}/quality/annotators", response_model=list[AnnotatorQuality])
def annotator_quality(request: Request, project: ProjectDep, actor: CurrentActor, session: SessionDep):
    """Per annotator: agreement with consensus, gold accuracy and reviews with Wilson 95% intervals."""
    fresh(request, session, actor, project)
    return quality.annotators(session=session, actor=actor, project=project)


@router.get("/projects/{project_id}/quality/confusion", response_model=ConfusionPublic)
def confusion(
    request: Request,
    project: ProjectDep,
    actor: CurrentActor,
    session: SessionDep,
    question: str | None = None,
    user_id: int | None = None,
):
    """Confusion matrix (consensus × answer) of a question, for everyone or one annotator."""
    fresh(request, session, actor, project)
    return quality.confusion(
        session=session, actor=actor, project=project, question=question, user_id=user_id
    )


@router.get("/projects/{project_id}/quality/disagreements", response_model=list[Disagreement])
def disagreements(
    request: Request,
    project: ProjectDep,
    actor: CurrentActor,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
):
    """Items whose consensus is least sure, with the answers given (managers only in a private prompt set)."""
    QualityPolicy.read(actor)
    ItemPolicy.browse(actor, private=project.private)
    fresh(request, session, actor, project)
    return quality.disagreements(session=session, actor=actor, project=project, limit=limit)


@router.get("/projects/{project_id}/items/{item_id}/consensus", response_model=dict[str, ConsensusValue])
def item_consensus(
    item_id: int, request: Request, project: ProjectDep, actor: CurrentActor, session: SessionDep
):
    """One item's consensus per question (reviewers and up; managers only in a private prompt set)."""
    QualityPolicy.read(actor)
    ItemPolicy.browse(actor, private=project.private)
    fresh(request, session, actor, project)
    return quality.item_consensus(session=session, actor=actor, project=project, item_id=item_id)


# --- gold answers (managers) -----------------------------------------------------------------------------------


@router.put("/projects/{project_id}/items/{item_id}/gold", response_model=GoldPublic)
def set_gold(item_id: int, body: GoldSet, project: ProjectDep, actor: CurrentActor, session: SessionDep):
    """Give an item a known answer, checked against the schema (managers); annotators never see it."""
    schema = schema_of(session=session, project=project)
    return gold.set_gold(
        session=session, actor=actor, project=project, schema=schema, item_id=item_id, value=body.value
    )


@router.delete("/projects/{project_id}/items/{item_id}/gold", status_code=204)
def clear_gold(item_id: int, project: ProjectDep, actor: CurrentActor, session: SessionDep):
    """Remove an item's known answer (managers)."""
    gold.clear_gold(session=session, actor=actor, project=project, item_id=item_id)
    return Response(status_code=204)


@router.get("/projects/{project_id}/gold", response_model=list[GoldPublic])
def list_gold(
    project: ProjectDep,
    actor: CurrentActor,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    after: int | None = None,
):
    """The project's gold answers in item order (managers); pass the last item_id as ``after``."""
    return gold.list_gold(session=session, actor=actor, project=project, limit=limit, after=after)


# --- annotator standing ----------------------------------------------------------------------------------------


@router.get("/projects/{project_id}/quality/states", response_model=list[AnnotatorStatePublic])
def annotator_states(project: ProjectDep, actor: CurrentActor, session: SessionDep):
    """Every annotator's standing: qualifying, active, failed or paused (reviewers and up)."""
    return qualification.list_states(session=session, actor=actor, project=project)


@router.get("/projects/{project_id}/quality/me", response_model=MyStanding)
def my_standing(project: ProjectDep, actor: CurrentActor, session: SessionDep):
    """Your own standing in the project (no scores, so gold items stay unknowable)."""
    return MyStanding(status=qualification.my_state(session=session, actor=actor, project=project))


@router.post("/projects/{project_id}/annotators/{user_id}/reinstate", response_model=AnnotatorStatePublic)
def reinstate(user_id: int, project: ProjectDep, actor: CurrentActor, session: SessionDep):
    """Let a paused or failed annotator work again (managers); their running gold score restarts."""
    return qualification.reinstate(session=session, actor=actor, project=project, user_id=user_id)


@router.post("/projects/{project_id}/annotators/{user_id}/pause", response_model=AnnotatorStatePublic)
def pause(user_id: int, body: PauseRequest, project: ProjectDep, actor: CurrentActor, session: SessionDep):
    """Stop an annotator from taking work in this project (managers)."""
    return qualification.pause(
        session=session, actor=actor, project=project, user_id=user_id, reason=body.reason
    )
