"""Consensus: run the project's aggregation over its annotations; store per item the inferred label, its
confidence and the method, and per annotator their reliability (agreement, confusions, gold, reviews).

Refreshing is incremental in the only sense that matters on the hot path: a submit writes nothing here. A
project is stale when an annotation newer than the last run's watermark exists (one indexed ``max``), or when a
review, a gold change or a settings change marked it dirty; only then does a refresh recompute.
"""

from __future__ import annotations

import zlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import Engine, delete, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from assay.db.models import (
    Annotation,
    AnnotatorReliability,
    Consensus,
    Item,
    ItemGold,
    Project,
    QualityState,
    Review,
    utcnow,
)
from assay.quality import (
    AGGREGATORS,
)
from assay.schema import LabelSchema
from assay.services.aggregation import AggregateResult, aggregate_safely, agreement_of, plain
from assay.services.gold import gold_of, score_answer
from assay.services.projects import schema_of

AGGREGATED_KINDS = ("single_choice", "multi_choice", "rating", "pairwise")
# Stored consensus values are wrapped ({"v": value}): SQLite gives a JSON column numeric affinity, which would
# turn a bare number such as a rating into an INTEGER that no longer reads back as JSON.


def unwrap(stored: Any) -> Any:
    """A consensus value as stored, unwrapped."""
    return stored.get("v") if isinstance(stored, dict) else stored


REVIEW_METHOD = "review"


def mark_dirty(session: Session, project_id: int) -> None:
    """Flag a project's consensus as stale (reviews, gold and settings changes; never the submit path)."""
    dialect = session.get_bind().dialect.name
    make = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = make(QualityState).values(project_id=project_id, dirty=True, summary={})
    session.execute(stmt.on_conflict_do_update(index_elements=["project_id"], set_={"dirty": True}))


def is_stale(session: Session, project: Project) -> bool:
    """True when annotations, reviews or gold changed since the last refresh."""
    state = session.get(QualityState, project.id)
    if state is None or state.dirty or state.refreshed_at is None:
        return True
    newest = session.scalar(
        select(func.max(Annotation.created_at)).where(Annotation.project_id == project.id)
    )
    return newest is not None and (state.watermark is None or _naive(newest) > _naive(state.watermark))


def _naive(moment: datetime) -> datetime:
    # SQLite hands datetimes back without a zone (they are stored as UTC); PostgreSQL with one.
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def ensure_fresh(engine: Engine, project: Project, *, force: bool = False) -> bool:
    """Recompute in a transaction of its own when stale (or ``force``); True when it recomputed."""
    if not force:
        # Checking is a read: on SQLite it must not take the write lock that labeling needs.
        with Session(engine.execution_options(assay_read_only=True)) as reader:
            if not is_stale(reader, project):
                return False
    with Session(engine, expire_on_commit=False) as session:
        if session.get_bind().dialect.name == "postgresql":
            # One refresh per project at a time; the waiter re-checks and usually finds nothing to do.
            session.execute(
                text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(f"quality:{project.id}".encode())}
            )
        # Someone may have refreshed while we waited for the lock (PostgreSQL) or the write lock (SQLite).
        if not force and not is_stale(session, project):
            session.rollback()
            return False
        refresh(session, project)
        session.commit()
        return True


# --- reading what the aggregation needs ----------------------------------------------------------------------


@dataclass
class _Answer:
    annotation_id: int
    item_id: int
    user_id: int
    value: dict[str, Any]
    verdict: str | None = None
    corrected: dict[str, Any] | None = None


@dataclass
class _Tally:
    n_labels: int = 0
    agreed: int = 0
    gold_count: int = 0
    gold_correct: int = 0
    skill: float | None = None
    confusion: dict[str, Any] | None = None
    reviews: Counter[str] = field(default_factory=Counter)


def _answers(session: Session, project_id: int) -> tuple[list[_Answer], datetime | None]:
    reviews = {
        annotation_id: (verdict, corrected)
        for annotation_id, verdict, corrected in session.execute(
            select(Review.annotation_id, Review.verdict, Review.corrected_value).where(
                Review.project_id == project_id
            )
        )
    }
    answers: list[_Answer] = []
    newest: datetime | None = None
    rows = session.execute(
        select(Annotation.id, Annotation.item_id, Annotation.user_id, Annotation.value, Annotation.created_at)
        .where(Annotation.project_id == project_id)
        .order_by(Annotation.id)
        .execution_options(yield_per=5000)
    )
    for annotation_id, item_id, user_id, value, created in rows:
        verdict, corrected = reviews.get(annotation_id, (None, None))
        answers.append(_Answer(annotation_id, item_id, user_id, value or {}, verdict, corrected))
        if newest is None or created > newest:
            newest = created
    return answers, newest


def _rows(question: Any, answers: list[_Answer]) -> Iterator[tuple[int, int, Any]]:
    """(item, annotator, answer) for one question; rejected and corrected annotations are left out."""
    options = [o.value for o in getattr(question, "options", [])]
    for answer in answers:
        if answer.verdict in ("reject", "correct"):
            continue
        raw = answer.value.get(question.name)
        if raw is None:
            continue
        if question.kind == "pairwise":
            raw = raw.get("choice") if isinstance(raw, dict) else raw
            if raw not in ("A", "B", "tie"):
                continue
        elif question.kind == "single_choice" and raw not in options:
            continue  # an answer from an older schema version that no longer fits
        elif question.kind == "multi_choice":
            if not isinstance(raw, list):
                continue
            raw = frozenset(v for v in raw if v in options)
        elif question.kind == "rating" and (isinstance(raw, bool) or not isinstance(raw, int | float)):
            continue
        yield answer.item_id, answer.user_id, raw


def _gold_weights(
    schema: LabelSchema, answers: list[_Answer], gold: dict[int, dict[str, Any]]
) -> dict[int, float]:
    """Per annotator, smoothed gold accuracy ((correct + 1) / (count + 2)): weights for weighted voting."""
    tally: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for answer in answers:
        if answer.item_id in gold:
            scores = score_answer(schema, gold[answer.item_id], answer.value)
            tally[answer.user_id][0] += int(bool(scores) and all(scores.values()))
            tally[answer.user_id][1] += 1
    return {user: (correct + 1) / (count + 2) for user, (correct, count) in tally.items()}


# --- the refresh ---------------------------------------------------------------------------------------------


def refresh(session: Session, project: Project) -> QualityState:
    """Recompute consensus, reliability and agreement for a project in the caller's transaction."""
    schema = schema_of(session=session.connection(), project=project)  # works for a borrowed connection too
    answers, newest = _answers(session, project.id)
    gold = gold_of(session, project.id)
    method = project.aggregation if project.aggregation in AGGREGATORS else "majority_vote"
    weights = _gold_weights(schema, answers, gold) if method == "weighted_majority_vote" else {}
    now = utcnow()
    consensus_rows: list[dict[str, Any]] = []
    tallies: dict[tuple[int, str], _Tally] = defaultdict(_Tally)
    summary: dict[str, Any] = {"method": method, "questions": {}, "fallbacks": []}
    for question in schema.questions:
        if question.kind not in AGGREGATED_KINDS:
            continue
        rows = list(_rows(question, answers))
        if not rows:
            summary["questions"][question.name] = {"kind": question.kind, "items": 0, "labels": 0}
            continue
        result = aggregate_safely(question, rows, method, weights)
        if result.method != method:
            summary["fallbacks"].append(question.name)
        _tally_question(question, rows, result, tallies)
        for item, (value, confidence, n_labels) in result.consensus.items():
            consensus_rows.append(
                dict(
                    item_id=item,
                    question=question.name,
                    project_id=project.id,
                    value={"v": value},
                    confidence=confidence,
                    method=result.method,
                    n_labels=n_labels,
                    updated_at=now,
                )
            )
        confidences = [c for _, c, _ in result.consensus.values()]
        summary["questions"][question.name] = {
            "kind": question.kind,
            "items": len(result.consensus),
            "labels": len(rows),
            "annotators": len({user for _, user, _ in rows}),
            "mean_confidence": float(np.mean(confidences)),
            **agreement_of(question, result, rows),
        }
    consensus_rows = _apply_corrections(schema, answers, consensus_rows, project.id, now)
    summary["reopened"] = _top_up(session, project, consensus_rows)
    _tally_answers(schema, answers, gold, tallies)
    _write(session, project.id, consensus_rows, tallies, now)
    summary.update(
        annotations=len(answers),
        items=len({a.item_id for a in answers}),
        annotators=len({a.user_id for a in answers}),
        gold_items=len(gold),
    )
    state = session.get(QualityState, project.id)
    if state is None:
        state = QualityState(project_id=project.id)
        session.add(state)
    state.refreshed_at, state.watermark, state.dirty, state.summary = now, newest, False, summary
    session.flush()
    return state


def _top_up(session: Session, project: Project, rows: list[dict[str, Any]]) -> int:
    """Dynamic overlap: reopen finished items whose consensus is unsure for one more label, up to the maximum."""
    threshold, most = project.confidence_threshold, project.max_overlap
    if threshold is None or most is None or most <= project.overlap:
        return 0
    unsure = sorted(
        {r["item_id"] for r in rows if r["method"] != REVIEW_METHOD and r["confidence"] < threshold}
    )
    reopened = 0
    gold = select(ItemGold.item_id).where(ItemGold.item_id == Item.id).exists()
    for start in range(0, len(unsure), 1000):
        result = session.execute(
            update(Item)
            .where(
                Item.id.in_(unsure[start : start + 1000]),
                Item.complete.is_(True),
                Item.n_done >= project.overlap + Item.extra_overlap,
                Item.n_done < most,
                ~gold,
            )
            .values(extra_overlap=Item.n_done + 1 - project.overlap, complete=False)
            .execution_options(synchronize_session=False)
        )
        reopened += result.rowcount
    return reopened


def _tally_question(
    question: Any, rows: list[tuple[int, int, Any]], result: AggregateResult, tallies: dict[tuple[int, str], _Tally]
) -> None:
    classes = result.classes
    position = {c: i for i, c in enumerate(classes)} if classes is not None else {}
    matrices: dict[int, np.ndarray] = {}
    for item, user, value in rows:
        tally = tallies[(user, question.name)]
        truth = result.consensus[item][0]
        tally.n_labels += 1
        if question.kind == "multi_choice":
            tally.agreed += int(frozenset(truth) == value)
            continue
        tally.agreed += int(truth == plain(value))
        matrix = matrices.get(user)
        if matrix is None:
            matrix = matrices[user] = np.zeros((len(position), len(position)), dtype=np.int64)
        matrix[position[truth], position[plain(value)]] += 1
    for user, matrix in matrices.items():
        tallies[(user, question.name)].confusion = {"classes": classes, "matrix": matrix.tolist()}
    for user, skill in result.skills.items():
        tallies[(user, question.name)].skill = skill


def _tally_answers(
    schema: LabelSchema,
    answers: list[_Answer],
    gold: dict[int, dict[str, Any]],
    tallies: dict[tuple[int, str], _Tally],
) -> None:
    """Overall rows ("" question): labels and agreement summed, gold scores, review outcomes."""
    for answer in answers:
        overall = tallies[(answer.user_id, "")]
        if answer.verdict:
            overall.reviews[answer.verdict] += 1
        if answer.item_id not in gold:
            continue
        scores = score_answer(schema, gold[answer.item_id], answer.value)
        overall.gold_count += 1
        overall.gold_correct += int(bool(scores) and all(scores.values()))
        for name, right in scores.items():
            tallies[(answer.user_id, name)].gold_count += 1
            tallies[(answer.user_id, name)].gold_correct += int(right)
    for (user, name), tally in list(tallies.items()):
        if name:
            overall = tallies[(user, "")]
            overall.n_labels += tally.n_labels
            overall.agreed += tally.agreed


def _apply_corrections(
    schema: LabelSchema, answers: list[_Answer], rows: list[dict[str, Any]], project_id: int, now: datetime
) -> list[dict[str, Any]]:
    """A reviewer's correction is the item's answer for the questions it covers (confidence 1)."""
    kinds = {q.name: q.kind for q in schema.questions if q.kind in AGGREGATED_KINDS}
    fixed: dict[tuple[int, str], Any] = {}
    for answer in answers:
        if answer.verdict == "correct" and answer.corrected:
            for name, value in answer.corrected.items():
                if name in kinds:
                    fixed[(answer.item_id, name)] = (
                        value.get("choice") if kinds[name] == "pairwise" else value
                    )
    if not fixed:
        return rows
    kept = [r for r in rows if (r["item_id"], r["question"]) not in fixed]
    counts = {(r["item_id"], r["question"]): r["n_labels"] for r in rows}
    kept.extend(
        dict(
            item_id=item,
            question=name,
            project_id=project_id,
            value={"v": value},
            confidence=1.0,
            method=REVIEW_METHOD,
            n_labels=counts.get((item, name), 0),
            updated_at=now,
        )
        for (item, name), value in fixed.items()
    )
    return kept


def _write(
    session: Session,
    project_id: int,
    consensus_rows: list[dict[str, Any]],
    tallies: dict[tuple[int, str], _Tally],
    now: datetime,
) -> None:
    session.execute(delete(Consensus).where(Consensus.project_id == project_id))
    session.execute(delete(AnnotatorReliability).where(AnnotatorReliability.project_id == project_id))
    for start in range(0, len(consensus_rows), 5000):
        session.execute(insert(Consensus), consensus_rows[start : start + 5000])
    reliability = [
        dict(
            project_id=project_id,
            user_id=user,
            question=name,
            n_labels=t.n_labels,
            agreed=t.agreed,
            skill=t.skill,
            confusion=t.confusion,
            gold_count=t.gold_count,
            gold_correct=t.gold_correct,
            reviews_accepted=t.reviews["accept"],
            reviews_rejected=t.reviews["reject"],
            reviews_corrected=t.reviews["correct"],
            updated_at=now,
        )
        for (user, name), t in tallies.items()
    ]
    for start in range(0, len(reliability), 5000):
        session.execute(insert(AnnotatorReliability), reliability[start : start + 5000])


def aggregated_questions(schema: LabelSchema) -> list[str]:
    """Names of the questions consensus covers (the choice-like kinds)."""
    return [q.name for q in schema.questions if q.kind in AGGREGATED_KINDS]
