"""Quality figures of a project, read from what the consensus refresh stored: agreement per question,
annotator reliability with Wilson intervals, confusion matrices, the most disagreed items, and the
consensus that exports carry. Also the checks on a project's quality settings.

Figures (agreement, reliability, confusions) are for reviewers and up. What shows items' content (the
disagreed items with their answers, an item's consensus) follows the items' own rule: in a private prompt
set only managers see it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assay.db.models import (
    Annotation,
    AnnotatorReliability,
    AnnotatorState,
    Consensus,
    Project,
    QualityState,
    User,
)
from assay.errors import InvalidInput, NotFound
from assay.quality import wilson_interval
from assay.security.policies import Actor, ItemPolicy, QualityPolicy
from assay.services.answers import read_answer, vote_key
from assay.services.consensus import CONFUSION_KINDS, UNRANKED_METHODS, unwrap
from assay.services.projects import schema_of

CHUNK = 1000


def check_settings(project: Project) -> None:
    """Refuse quality settings that contradict each other (InvalidInput naming the field)."""
    if project.max_overlap is not None and project.max_overlap < project.overlap:
        raise InvalidInput(
            f"max_overlap ({project.max_overlap}) must be at least overlap ({project.overlap})",
            details=[{"loc": ["max_overlap"], "msg": "below overlap"}],
        )


def settings_changed(session: Session, project: Project, changes: dict[str, Any]) -> None:
    """A changed aggregation method, schema or dynamic-overlap setting makes the stored consensus stale."""
    if {"aggregation", "schema_version", "confidence_threshold", "max_overlap", "overlap"} & changes.keys():
        from assay.services.consensus import mark_dirty

        mark_dirty(session, project.id)


def rate(correct: int, count: int) -> dict[str, Any]:
    """``correct`` of ``count`` as a share with a Wilson 95% interval; share is None when count is 0."""
    low, high = wilson_interval(correct, count)
    return {
        "count": count,
        "correct": correct,
        "accuracy": correct / count if count else None,
        "low": float(low),
        "high": float(high),
    }


@dataclass(frozen=True, slots=True)
class Summary:
    """Agreement per question and counts, from the last refresh."""

    method: str
    refreshed_at: datetime | None
    annotations: int
    items: int
    annotators: int
    gold_items: int
    questions: dict[str, dict[str, Any]]
    fallbacks: list[str]


def summary(*, session: Session, actor: Actor, project: Project) -> Summary:
    """The project's agreement per question and counts (reviewers and up)."""
    QualityPolicy.read(actor)
    state = session.get(QualityState, project.id)
    data = state.summary if state is not None else {}
    return Summary(
        method=data.get("method", project.aggregation),
        refreshed_at=state.refreshed_at if state is not None else None,
        annotations=data.get("annotations", 0),
        items=data.get("items", 0),
        annotators=data.get("annotators", 0),
        gold_items=data.get("gold_items", 0),
        questions=data.get("questions", {}),
        fallbacks=data.get("fallbacks", []),
    )


def annotators(*, session: Session, actor: Actor, project: Project) -> list[dict[str, Any]]:
    """Per annotator: agreement with consensus, gold accuracy and review outcomes with Wilson intervals,
    their standing (qualifying, active, paused...), and per question the aggregator's skill estimate."""
    QualityPolicy.read(actor)
    rows = list(
        session.scalars(
            select(AnnotatorReliability)
            .where(AnnotatorReliability.project_id == project.id)
            .order_by(AnnotatorReliability.user_id, AnnotatorReliability.question)
        )
    )
    states = {
        s.user_id: s
        for s in session.scalars(select(AnnotatorState).where(AnnotatorState.project_id == project.id))
    }
    users = set({r.user_id for r in rows} | set(states))
    people = {
        uid: (email, name)
        for uid, email, name in session.execute(
            select(User.id, User.email, User.name).where(User.id.in_(users))
        )
    }
    out: dict[int, dict[str, Any]] = {}
    for uid in sorted(users):
        email, name = people.get(uid, ("", ""))
        state = states.get(uid)
        out[uid] = {
            "user_id": uid,
            "email": email,
            "name": name,
            "status": state.status if state else "active",
            "reason": state.reason if state else None,
            "reinstated_by": state.reinstated_by if state else None,
            "labels": 0,
            "agreement": rate(0, 0),
            "gold": rate(0, 0),
            "review": {**rate(0, 0), "accepted": 0, "rejected": 0, "corrected": 0},
            "score": rate(0, 0),
            "questions": {},
        }
    for row in rows:
        entry = out[row.user_id]
        if row.question == "":
            reviewed = row.reviews_accepted + row.reviews_rejected + row.reviews_corrected
            entry["labels"] = row.n_labels
            entry["agreement"] = rate(row.agreed, row.n_labels)
            entry["gold"] = rate(row.gold_correct, row.gold_count)
            entry["review"] = {
                **rate(row.reviews_accepted, reviewed),
                "accepted": row.reviews_accepted,
                "rejected": row.reviews_rejected,
                "corrected": row.reviews_corrected,
            }
            # Gold answers and review verdicts are both judgements of the annotator's work against a truth.
            entry["score"] = rate(row.gold_correct + row.reviews_accepted, row.gold_count + reviewed)
        else:
            entry["questions"][row.question] = {
                "labels": row.n_labels,
                "agreement": rate(row.agreed, row.n_labels),
                "gold": rate(row.gold_correct, row.gold_count),
                "skill": row.skill,
            }
    return list(out.values())


def confusion(
    *,
    session: Session,
    actor: Actor,
    project: Project,
    question: str | None = None,
    user_id: int | None = None,
) -> dict[str, Any]:
    """Consensus (rows) × given answer (columns) counts for one question, pooled or for one annotator."""
    QualityPolicy.read(actor)
    schema = schema_of(session=session, project=project)
    names = [q.name for q in schema.questions if q.kind in CONFUSION_KINDS]
    if question is None:
        if not names:
            raise InvalidInput("this project has no single-answer question to draw a confusion matrix for")
        question = names[0]
    elif question not in names:
        raise InvalidInput(
            f"no confusion matrix for {question!r}; questions: {', '.join(names) or 'none'}",
            details=[{"loc": ["question"], "msg": "unknown or not a single-answer question"}],
        )
    query = select(AnnotatorReliability.confusion).where(
        AnnotatorReliability.project_id == project.id, AnnotatorReliability.question == question
    )
    if user_id is not None:
        query = query.where(AnnotatorReliability.user_id == user_id)
    classes: list[Any] = []
    total: np.ndarray | None = None
    for found in session.scalars(query):
        if not found:
            continue
        classes = found["classes"]
        matrix = np.asarray(found["matrix"], dtype=np.int64)
        total = matrix if total is None else total + matrix
    if total is None:
        question_def = schema.question(question)
        classes = [o.value for o in getattr(question_def, "options", [])]
        total = np.zeros((len(classes), len(classes)), dtype=np.int64)
    return {"question": question, "user_id": user_id, "classes": classes, "matrix": total.tolist()}


def disagreements(
    *, session: Session, actor: Actor, project: Project, limit: int = 20
) -> list[dict[str, Any]]:
    """Items labeled more than once whose consensus is least sure, with the answers given (reviewers and up;
    managers only in a private prompt set). Free-text likeness and reviewed answers do not rank items."""
    QualityPolicy.read(actor)
    ItemPolicy.browse(actor, private=project.private)
    lowest = (
        select(Consensus.item_id, func.min(Consensus.confidence).label("confidence"))
        .where(
            Consensus.project_id == project.id,
            Consensus.n_labels >= 2,
            Consensus.method.notin_(UNRANKED_METHODS),
        )
        .group_by(Consensus.item_id)
        .order_by(func.min(Consensus.confidence), Consensus.item_id)
        .limit(limit)
    )
    ranked = [(item_id, confidence) for item_id, confidence in session.execute(lowest)]
    if not ranked:
        return []
    ids = [item_id for item_id, _ in ranked]
    consensus = consensus_for_items(session, ids)
    questions = {q.name: q for q in schema_of(session=session, project=project).questions}
    votes: dict[int, dict[str, Counter[str]]] = {}
    for item_id, value in session.execute(
        select(Annotation.item_id, Annotation.value).where(Annotation.item_id.in_(ids))
    ):
        for name in consensus.get(item_id, {}):
            question = questions.get(name)
            answer = read_answer(question, value or {}) if question is not None else None
            if answer is not None:
                votes.setdefault(item_id, {}).setdefault(name, Counter())[vote_key(question, answer)] += 1
    return [
        {
            "item_id": item_id,
            "confidence": float(confidence),
            "consensus": consensus.get(item_id, {}),
            "votes": {name: dict(counter) for name, counter in votes.get(item_id, {}).items()},
        }
        for item_id, confidence in ranked
    ]


def consensus_for_items(session: Session, item_ids: Iterable[int]) -> dict[int, dict[str, dict[str, Any]]]:
    """Stored consensus by item and question: value, confidence, method, number of labels."""
    ids = list(item_ids)
    out: dict[int, dict[str, dict[str, Any]]] = {}
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(
            select(
                Consensus.item_id,
                Consensus.question,
                Consensus.value,
                Consensus.confidence,
                Consensus.method,
                Consensus.n_labels,
            ).where(Consensus.item_id.in_(ids[start : start + CHUNK]))
        )
        for item_id, question, value, confidence, method, n_labels in rows:
            out.setdefault(item_id, {})[question] = {
                "value": unwrap(value),
                "confidence": confidence,
                "method": method,
                "n_labels": n_labels,
            }
    return out


def item_consensus(
    *, session: Session, actor: Actor, project: Project, item_id: int
) -> dict[str, dict[str, Any]]:
    """One item's consensus by question (reviewers and up; managers only in a private prompt set)."""
    QualityPolicy.read(actor)
    ItemPolicy.browse(actor, private=project.private)
    owner = session.scalar(select(Consensus.project_id).where(Consensus.item_id == item_id).limit(1))
    found = consensus_for_items(session, [item_id]) if owner == project.id else {}
    if item_id not in found:
        raise NotFound(f"no consensus for item {item_id} yet")
    return found[item_id]
