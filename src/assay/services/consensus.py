"""Consensus: infer each item's answer to every question from its annotations; store it with a confidence and
the method, and per annotator their reliability (agreement, confusions, gold, reviews).

How each kind is decided: choice-like kinds, ratings, rubrics and safety flags by the project's aggregation
method (``assay.services.aggregation``); spans, relations, rankings and free text by rules of their own
(``assay.services.structured_consensus``). A reviewer's correction overrides either (method ``review``).

Refreshing is incremental in the only sense that matters on the hot path: a submit writes nothing here. A
project is stale when an annotation newer than the last run's watermark exists (one indexed ``max``), or when a
review, a gold change or a settings change marked it dirty; only then does a refresh recompute. The refresh
reads in a read-only transaction, computes outside any transaction, and writes in short batches, so labeling
goes on meanwhile; one refresh per project runs at a time (``assay.services.refresh_lock``).
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from assay.db.engine import READ_ONLY, writer_turn
from assay.db.models import Project, QualityState, utcnow
from assay.quality import AGGREGATORS
from assay.schema import LabelSchema
from assay.services import consensus_store as store
from assay.services.aggregation import Outcome, choice_outcome, rubric_outcome, safety_outcome
from assay.services.answers import CONSENSUS_KINDS, TEXT_KINDS, stored_form
from assay.services.projects import schema_of
from assay.services.refresh_lock import refresh_lock
from assay.services.structured_consensus import (
    MEDOID,
    ranking_outcome,
    relation_outcome,
    span_outcome,
    text_outcome,
)

AGGREGATED_KINDS = ("single_choice", "multi_choice", "rating", "pairwise")  # through the project's method
CONFUSION_KINDS = ("single_choice", "rating", "pairwise")  # one class per answer: a confusion matrix
REVIEW_METHOD = "review"
# Consensus rows whose confidence does not say how sure a label is: never used to rank items as unsure.
UNRANKED_METHODS = (REVIEW_METHOD, MEDOID)
LOCK_WAIT = 120.0  # seconds a reader waits for another's refresh before serving the stored figures
BATCH_REST = 0.05  # most seconds a refresh pauses between write batches on SQLite
# Stored consensus values are wrapped ({"v": value}): SQLite gives a JSON column numeric affinity, which would
# turn a bare number such as a rating into an INTEGER that no longer reads back as JSON.


def unwrap(stored: Any) -> Any:
    """A consensus value as stored, unwrapped."""
    return stored.get("v") if isinstance(stored, dict) else stored


def mark_dirty(session: Session, project_id: int) -> None:
    """Flag a project's consensus as stale (reviews, gold and settings changes; never the submit path)."""
    dialect = session.get_bind().dialect.name
    make = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = make(QualityState).values(project_id=project_id, dirty=True, summary={}, generation=1)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["project_id"], set_={"dirty": True, "generation": QualityState.generation + 1}
        )
    )


def is_stale(session: Session | Connection, project: Project) -> bool:
    """True when annotations, reviews or gold changed since the last refresh."""
    state = session.execute(
        QualityState.__table__.select().where(QualityState.project_id == project.id)
    ).first()
    if state is None or state.dirty or state.refreshed_at is None:
        return True
    newest = store.newest_annotation(session, project.id)
    return newest is not None and (state.watermark is None or _naive(newest) > _naive(state.watermark))


def _naive(moment: datetime) -> datetime:
    # SQLite hands datetimes back without a zone (they are stored as UTC); PostgreSQL with one.
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _reader(engine: Engine) -> Session:
    options: dict[str, Any] = dict(READ_ONLY)
    if engine.dialect.name == "postgresql":
        options["isolation_level"] = "REPEATABLE READ"  # every read of the refresh sees one snapshot
    return Session(engine.execution_options(**options), expire_on_commit=False)


def _stale(engine: Engine, project: Project) -> bool:
    # Checking is a read: on SQLite it must not take the write lock that labeling needs.
    with Session(engine.execution_options(**READ_ONLY)) as reader:
        return is_stale(reader, project)


def ensure_fresh(engine: Engine, project: Project, *, force: bool = False) -> bool:
    """Recompute when stale (or ``force``), outside any write transaction; True when it recomputed."""
    if not force and not _stale(engine, project):
        return False
    with refresh_lock(engine, project.id, timeout=LOCK_WAIT) as held:
        # Someone may have refreshed while we waited; after a long wait, serve what is stored.
        if not held or (not force and not _stale(engine, project)):
            return False
        with _reader(engine) as session, session.begin():
            current = session.get(Project, project.id) or project
            schema = schema_of(session=session, project=current)
            snapshot = store.read_snapshot(session, current, schema)
        _store_run(_batches(engine), current, schema, snapshot)
        return True


def _batches(engine: Engine) -> store.Transaction:
    sqlite = engine.dialect.name == "sqlite"

    @contextmanager
    def transaction() -> Iterator[Connection]:
        # A short write transaction per batch, queued behind this process's labelers on SQLite.
        began = time.monotonic()
        with writer_turn(engine), engine.begin() as conn:
            yield conn
        if sqlite:
            # SQLite has one write lock: rest as long as the batch took, so that labelers waiting for it
            # (in this process or in its busy handler in another) get their turn between batches.
            time.sleep(min(BATCH_REST, time.monotonic() - began))

    return transaction


def refresh(session: Session, project: Project) -> QualityState:
    """Recompute consensus, reliability and agreement in the caller's transaction (reads and writes)."""
    conn = session.connection()  # works for a borrowed connection too
    if conn.dialect.name == "postgresql":
        # One refresh per project at a time; the waiter re-checks and usually finds nothing to do.
        conn.execute(
            text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(f"quality:{project.id}".encode())}
        )
    schema = schema_of(session=conn, project=project)
    snapshot = store.read_snapshot(session, project, schema)

    @contextmanager
    def same() -> Iterator[Connection]:
        yield conn

    _store_run(same, project, schema, snapshot)
    session.expire_all()  # the state row was written through the connection, past the session
    return session.get(QualityState, project.id)  # type: ignore[return-value]  # ``finish`` made it


def _store_run(
    transaction: store.Transaction, project: Project, schema: LabelSchema, snapshot: store.Snapshot
) -> None:
    now = utcnow()
    summary, consensus_rows, unsure = compute(schema, project, snapshot, now)
    reliability_rows = [
        dict(
            project_id=project.id,
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
        for (user, name), t in snapshot.tallies.items()
    ]
    store.write_results(transaction, project.id, consensus_rows, reliability_rows, now)
    summary["reopened"] = store.top_up(transaction, project, unsure)
    with transaction() as conn:
        store.finish(conn, project.id, summary, now, snapshot)


# --- the computation (no I/O) --------------------------------------------------------------------------------


def outcome_of(question: Any, rows: list[Any], method: str, weights: dict[int, float]) -> Outcome:
    """One question's consensus, by its kind."""
    kind = question.kind
    if kind in AGGREGATED_KINDS:
        return choice_outcome(question, rows, method, weights)
    if kind == "rubric":
        return rubric_outcome(question, rows, method, weights)
    if kind == "safety_flags":
        return safety_outcome(question, rows, method, weights)
    if kind == "spans":
        return span_outcome(question, rows)
    if kind == "relations":
        return relation_outcome(question, rows)
    if kind in ("ranking", "response_ranking"):
        return ranking_outcome(question, rows)
    return text_outcome(question, rows, lambda answer: stored_form(question, answer))


def compute(
    schema: LabelSchema, project: Project, snapshot: store.Snapshot, now: datetime
) -> tuple[dict[str, Any], list[dict[str, Any]], list[int]]:
    """Summary, consensus rows and the unsure items (for dynamic overlap) from a snapshot; fills its tallies."""
    method = project.aggregation if project.aggregation in AGGREGATORS else "majority_vote"
    weights = snapshot.gold_weights() if method == "weighted_majority_vote" else {}
    rows_out: dict[tuple[int, str], dict[str, Any]] = {}
    summary: dict[str, Any] = {"method": method, "questions": {}, "fallbacks": []}
    for question in schema.questions:
        if question.kind not in CONSENSUS_KINDS:
            continue
        rows = snapshot.rows.get(question.name, [])
        if not rows:
            summary["questions"][question.name] = {"kind": question.kind, "items": 0, "labels": 0}
            continue
        outcome = outcome_of(question, rows, method, weights)
        if outcome.fell_back:
            summary["fallbacks"].append(question.name)
        for user, person in outcome.people.items():
            tally = snapshot.tallies[(user, question.name)]
            tally.n_labels, tally.agreed = person.n_labels, person.agreed
            tally.skill, tally.confusion = person.skill, person.confusion
        for item, (value, confidence, n_labels) in outcome.consensus.items():
            rows_out[(item, question.name)] = _row(
                project.id, item, question.name, value, confidence, outcome.method, n_labels, now
            )
        confidences = [c for _, c, _ in outcome.consensus.values()]
        summary["questions"][question.name] = {
            "kind": question.kind,
            "method": outcome.method,
            "items": len(outcome.consensus),
            "labels": len(rows),
            "annotators": len({user for _, user, _ in rows}),
            "mean_confidence": float(np.mean(confidences)) if confidences else None,
            **outcome.figures,
        }
    kinds = {q.name: q for q in schema.questions}
    for (item, name), answer in snapshot.corrections.items():
        question = kinds.get(name)
        if question is None or question.kind not in CONSENSUS_KINDS:
            continue
        n_labels = rows_out[(item, name)]["n_labels"] if (item, name) in rows_out else 0
        value = stored_form(question, answer)
        rows_out[(item, name)] = _row(project.id, item, name, value, 1.0, REVIEW_METHOD, n_labels, now)
    for (user, name), tally in list(snapshot.tallies.items()):
        if name and kinds.get(name) is not None and kinds[name].kind not in TEXT_KINDS:
            overall = snapshot.tallies[(user, "")]
            overall.n_labels += tally.n_labels
            overall.agreed += tally.agreed
    summary.update(
        annotations=snapshot.annotations,
        items=len(snapshot.items),
        annotators=len(snapshot.annotators),
        gold_items=snapshot.gold_items,
    )
    threshold = project.confidence_threshold
    unsure = sorted(
        {
            r["item_id"]
            for r in rows_out.values()
            if threshold is not None and r["method"] not in UNRANKED_METHODS and r["confidence"] < threshold
        }
    )
    return summary, list(rows_out.values()), unsure


def _row(
    project_id: int,
    item: int,
    question: str,
    value: Any,
    confidence: float,
    method: str,
    n_labels: int,
    now: datetime,
) -> dict[str, Any]:
    return dict(
        item_id=item,
        question=question,
        project_id=project_id,
        value={"v": value},
        confidence=min(1.0, max(0.0, float(confidence) if np.isfinite(confidence) else 0.0)),
        method=method,
        n_labels=n_labels,
        updated_at=now,
    )


def aggregated_questions(schema: LabelSchema) -> list[str]:
    """Names of the questions consensus covers (every kind it knows)."""
    return [q.name for q in schema.questions if q.kind in CONSENSUS_KINDS]
