"""Review: reviewers work a queue of annotations (low confidence, disagreeing with consensus, or a random
sample) and accept, reject or correct each one. A rejection sends the item back to the pool in the same
transaction (its ``n_done`` drops and it is open again), so the queue offers it to someone who has not labeled
it; the rejected annotation leaves the consensus. Verdicts feed the annotators' scores.

Reviewing shows items' content, so in a private prompt set (``Project.private``) only managers review, and
reviewers read no one's reviews but the ones of their own annotations, as annotators do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assay.db.models import Annotation, Consensus, Item, ItemGold, Project, Review, User, utcnow
from assay.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from assay.security.policies import Actor, ItemPolicy, QualityPolicy
from assay.services import audit
from assay.services.answers import agrees, read_answer
from assay.services.consensus import UNRANKED_METHODS, mark_dirty
from assay.services.projects import schema_of
from assay.services.quality import consensus_for_items

QueueKind = Literal["low_confidence", "disagreed", "random"]
Verdict = Literal["accept", "reject", "correct"]
DEFAULT_BELOW = 0.8
_HASH_MULTIPLIER, _HASH_MODULUS = 2654435761, 1_000_003  # a cheap, stable shuffle of annotation ids


@dataclass(frozen=True, slots=True)
class ReviewTask:
    """An annotation to review, with its item's payload and the item's current consensus."""

    annotation: Annotation
    annotator_email: str
    payload: dict[str, Any]
    consensus: dict[str, dict[str, Any]]
    reason: str


def _open_annotations(project: Project, actor: Actor) -> Any:
    reviewed = select(Review.id).where(Review.annotation_id == Annotation.id).exists()
    gold = select(ItemGold.item_id).where(ItemGold.item_id == Annotation.item_id).exists()
    # Gold items are scored against their answer, and showing them would tell a reviewer which are gold.
    return select(Annotation).where(
        Annotation.project_id == project.id, Annotation.user_id != actor.user_id, ~reviewed, ~gold
    )


def review_queue(
    *,
    session: Session,
    actor: Actor,
    project: Project,
    kind: QueueKind = "low_confidence",
    limit: int = 20,
    below: float | None = None,
) -> list[ReviewTask]:
    """Unreviewed annotations by others, most in need of review first; consensus should be fresh."""
    may_review(actor, project)
    base = _open_annotations(project, actor)
    lowest = (
        select(Consensus.item_id, func.min(Consensus.confidence).label("confidence"))
        .where(Consensus.project_id == project.id, Consensus.method.notin_(UNRANKED_METHODS))
        .group_by(Consensus.item_id)
        .subquery()
    )
    if kind == "random":
        shuffle = (Annotation.id * _HASH_MULTIPLIER) % _HASH_MODULUS
        query = base
        if project.review_rate > 0:
            query = query.where(shuffle < int(project.review_rate * _HASH_MODULUS))
        found = [
            (a, "random sample") for a in session.scalars(query.order_by(shuffle, Annotation.id).limit(limit))
        ]
    elif kind == "low_confidence":
        threshold = below if below is not None else (project.confidence_threshold or DEFAULT_BELOW)
        query = (
            base.join(lowest, lowest.c.item_id == Annotation.item_id)
            .where(lowest.c.confidence < threshold)
            .order_by(lowest.c.confidence, Annotation.id)
            .limit(limit)
        )
        found = [(a, "low consensus confidence") for a in session.scalars(query)]
    elif kind == "disagreed":
        found = _disagreeing(session, project, base, lowest, limit)
    else:
        raise InvalidInput(f"unknown review queue {kind!r}; use low_confidence, disagreed or random")
    return _tasks(session, found)


def may_review(actor: Actor, project: Project) -> None:
    """Reviewers and up; only managers in a private prompt set, whose items others may not read."""
    QualityPolicy.review(actor)
    ItemPolicy.browse(actor, private=project.private)


def _disagreeing(
    session: Session, project: Project, base: Any, lowest: Any, limit: int
) -> list[tuple[Annotation, str]]:
    schema = schema_of(session=session, project=project)
    kinds = {q.name: q for q in schema.questions}
    query = (
        base.join(lowest, lowest.c.item_id == Annotation.item_id)
        .order_by(lowest.c.confidence, Annotation.id)
        .execution_options(yield_per=500)
    )
    found: list[tuple[Annotation, str]] = []
    batch: list[Annotation] = []
    for annotation in session.scalars(query):
        batch.append(annotation)
        if len(batch) >= 500:
            found.extend(_differing(session, batch, kinds))
            batch = []
            if len(found) >= limit:
                break
    if batch and len(found) < limit:
        found.extend(_differing(session, batch, kinds))
    return found[:limit]


def _differing(
    session: Session, batch: list[Annotation], questions: dict[str, Any]
) -> list[tuple[Annotation, str]]:
    consensus = consensus_for_items(session, {a.item_id for a in batch})
    out = []
    for annotation in batch:
        differs = [
            name
            for name, agreed in consensus.get(annotation.item_id, {}).items()
            if name in questions
            and agrees(questions[name], read_answer(questions[name], annotation.value), agreed["value"])
            is False
        ]
        if differs:
            out.append((annotation, "differs from consensus on " + ", ".join(differs)))
    return out


def _tasks(session: Session, found: list[tuple[Annotation, str]]) -> list[ReviewTask]:
    if not found:
        return []
    item_ids = {a.item_id for a, _ in found}
    payloads = dict(session.execute(select(Item.id, Item.payload).where(Item.id.in_(item_ids))).all())
    emails = dict(
        session.execute(select(User.id, User.email).where(User.id.in_({a.user_id for a, _ in found}))).all()
    )
    consensus = consensus_for_items(session, item_ids)
    return [
        ReviewTask(
            a, emails.get(a.user_id, ""), payloads.get(a.item_id, {}), consensus.get(a.item_id, {}), why
        )
        for a, why in found
    ]


def submit_review(
    *,
    session: Session,
    actor: Actor,
    project: Project,
    annotation_id: int,
    verdict: Verdict,
    value: dict[str, Any] | None = None,
    comment: str = "",
) -> Review:
    """Record a verdict; ``reject`` returns the item to the pool, ``correct`` needs the corrected ``value``."""
    may_review(actor, project)
    annotation = session.scalar(
        select(Annotation).where(Annotation.id == annotation_id, Annotation.project_id == project.id)
    )
    if annotation is None:
        raise NotFound(f"annotation {annotation_id} not found")
    if annotation.user_id == actor.user_id:
        raise PermissionDenied("you cannot review your own annotation")
    if session.get(ItemGold, annotation.item_id) is not None:
        raise Conflict("answers on gold items are scored against the gold answer, not reviewed")
    if verdict == "correct":
        if value is None:
            raise InvalidInput(
                "a correction needs the corrected value", details=[{"loc": ["value"], "msg": "missing"}]
            )
        payload = session.scalar(select(Item.payload).where(Item.id == annotation.item_id))
        value = schema_of(session=session, project=project).validate_value(value, payload=payload)
    elif value is not None:
        raise InvalidInput(
            "only a correction carries a value", details=[{"loc": ["value"], "msg": "not allowed"}]
        )
    review = Review(
        project_id=project.id,
        annotation_id=annotation.id,
        item_id=annotation.item_id,
        annotator_id=annotation.user_id,
        reviewer_id=actor.user_id,
        verdict=verdict,
        corrected_value=value,
        comment=comment,
        created_at=utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(review)
            session.flush()
    except IntegrityError:
        raise Conflict(f"annotation {annotation_id} was already reviewed") from None
    reopened = verdict == "reject" and _back_to_pool(session, project, annotation)
    mark_dirty(session, project.id)
    audit.record(
        session,
        actor=actor,
        action=f"annotation.review.{verdict}",
        object_type="annotation",
        object_id=annotation.id,
        details={"item_id": annotation.item_id, "reopened": reopened},
    )
    session.commit()
    return review


def _back_to_pool(session: Session, project: Project, annotation: Annotation) -> bool:
    """Take a rejected annotation out of its item's count and reopen the item (same transaction)."""
    if annotation.assignment_id is None:
        return False
    done = session.execute(
        text(
            "UPDATE assignments SET status = 'rejected' WHERE id = :a AND status = 'submitted' RETURNING id"
        ),
        {"a": annotation.assignment_id},
    ).first()
    if done is None:
        return False
    gold = session.scalar(select(ItemGold.item_id).where(ItemGold.item_id == annotation.item_id))
    # Gold items stay out of the regular pool; others are open unless still labeled enough.
    session.execute(
        text(
            "UPDATE items SET n_done = n_done - 1, "
            "complete = (:gold OR n_done - 1 >= :overlap + extra_overlap) WHERE id = :i"
        ),
        {"i": annotation.item_id, "overlap": project.overlap, "gold": gold is not None},
    )
    return True


def list_reviews(
    *, session: Session, actor: Actor, project: Project, limit: int = 100, annotator_id: int | None = None
) -> list[Review]:
    """Reviews in a project, newest first (reviewers and up); annotators see only reviews of their own work,
    and so do reviewers in a private prompt set (corrections and comments quote its items)."""
    query = select(Review).where(Review.project_id == project.id)
    try:
        may_review(actor, project)
        if annotator_id is not None:
            query = query.where(Review.annotator_id == annotator_id)
    except PermissionDenied:
        query = query.where(Review.annotator_id == actor.user_id)
    return list(session.scalars(query.order_by(Review.id.desc()).limit(limit)))
