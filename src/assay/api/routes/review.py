"""Review: a queue of annotations to check, and accept / reject / correct verdicts."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from assay.api.deps import CurrentActor, ProjectDep, SessionDep
from assay.api.routes.quality import fresh
from assay.api.schemas.items import AnnotationPublic
from assay.api.schemas.quality import ReviewCreate, ReviewPublic, ReviewTaskPublic
from assay.services import review

router = APIRouter(tags=["review"])


@router.get("/projects/{project_id}/review/queue", response_model=list[ReviewTaskPublic])
def review_queue(
    request: Request,
    project: ProjectDep,
    actor: CurrentActor,
    session: SessionDep,
    kind: Literal["low_confidence", "disagreed", "random"] = "low_confidence",
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    below: Annotated[float | None, Query(ge=0, le=1)] = None,
):
    """Annotations to review (reviewers and up; managers in a private prompt set): low consensus confidence,
    disagreeing, or a random sample."""
    review.may_review(actor, project)
    fresh(request, session, actor, project)
    tasks = review.review_queue(
        session=session, actor=actor, project=project, kind=kind, limit=limit, below=below
    )
    return [
        ReviewTaskPublic(
            annotation=AnnotationPublic.model_validate(t.annotation),
            annotator_email=t.annotator_email,
            payload=t.payload,
            consensus=t.consensus,  # type: ignore[arg-type]
            reason=t.reason,
        )
        for t in tasks
    ]


@router.post(
    "/projects/{project_id}/annotations/{annotation_id}/review", response_model=ReviewPublic, status_code=201
)
def submit_review(
    annotation_id: int, body: ReviewCreate, project: ProjectDep, actor: CurrentActor, session: SessionDep
):
    """Accept, reject (the item goes back to the pool) or correct an annotation, with a comment."""
    return review.submit_review(
        session=session,
        actor=actor,
        project=project,
        annotation_id=annotation_id,
        verdict=body.verdict,
        value=body.value,
        comment=body.comment,
    )


@router.get("/projects/{project_id}/reviews", response_model=list[ReviewPublic])
def list_reviews(
    project: ProjectDep,
    actor: CurrentActor,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    annotator_id: int | None = None,
):
    """Reviews, newest first; annotators see the reviews of their own annotations."""
    return review.list_reviews(
        session=session, actor=actor, project=project, limit=limit, annotator_id=annotator_id
    )
