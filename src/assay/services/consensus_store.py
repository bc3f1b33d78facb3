"""What a consensus refresh reads and writes: one streaming read of a project's annotations, and upserts of
the results in batches (each its own short transaction when the caller asks for that).

The read keeps only what aggregation needs: per question the answers in read form (``assay.services.answers``),
per annotator gold and review counts, reviewers' corrections. Whole annotation values are never held.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, select, update
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
)
from assay.schema import LabelSchema
from assay.services.aggregation import Row
from assay.services.answers import read_answer
from assay.services.gold import gold_of, score_answer

BATCH = 2000


@dataclass
class Tally:
    """One annotator on one question ("" = overall): labels, agreement, confusions, gold and reviews."""

    n_labels: int = 0
    agreed: int = 0
    gold_count: int = 0
    gold_correct: int = 0
    skill: float | None = None
    confusion: dict[str, Any] | None = None
    reviews: Counter[str] = field(default_factory=Counter)


@dataclass
class Snapshot:
    """A project's answers and scores as of one read."""

    rows: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))
    tallies: dict[tuple[int, str], Tally] = field(default_factory=lambda: defaultdict(Tally))
    corrections: dict[tuple[int, str], Any] = field(default_factory=dict)  # (item, question) -> read form
    annotations: int = 0
    items: set[int] = field(default_factory=set)
    annotators: set[int] = field(default_factory=set)
    gold_items: int = 0
    newest: datetime | None = None
    generation: int = 0

    def gold_weights(self) -> dict[int, float]:
        """Per annotator, smoothed gold accuracy ((correct + 1) / (count + 2)): weights for weighted voting."""
        return {
            user: (t.gold_correct + 1) / (t.gold_count + 2)
            for (user, name), t in self.tallies.items()
            if name == "" and t.gold_count
        }


def read_snapshot(session: Session, project: Project, schema: LabelSchema) -> Snapshot:
    """Stream the project's annotations once, keeping per question the answers consensus counts."""
    snapshot = Snapshot()
    state = session.get(QualityState, project.id)
    snapshot.generation = state.generation if state is not None else 0
    gold = gold_of(session, project.id)
    snapshot.gold_items = len(gold)
    reviews: dict[int, str] = {}
    for annotation_id, item_id, verdict, corrected in session.execute(
        select(Review.annotation_id, Review.item_id, Review.verdict, Review.corrected_value)
        .where(Review.project_id == project.id)
        .order_by(Review.id)
    ):
        reviews[annotation_id] = verdict
        if verdict == "correct" and isinstance(corrected, dict):
            for question in schema.questions:  # a reviewer's correction is the item's answer (confidence 1)
                answer = read_answer(question, corrected)
                if answer is not None:
                    snapshot.corrections[(item_id, question.name)] = answer
    rows = session.execute(
        select(Annotation.id, Annotation.item_id, Annotation.user_id, Annotation.value, Annotation.created_at)
        .where(Annotation.project_id == project.id)
        .order_by(Annotation.id)
        .execution_options(yield_per=5000)
    )
    for annotation_id, item_id, user_id, value, created in rows:
        value = value if isinstance(value, dict) else {}
        verdict = reviews.get(annotation_id)
        snapshot.annotations += 1
        snapshot.items.add(item_id)
        snapshot.annotators.add(user_id)
        if snapshot.newest is None or created > snapshot.newest:
            snapshot.newest = created
        overall = snapshot.tallies[(user_id, "")]
        if verdict:
            overall.reviews[verdict] += 1
        if item_id in gold:
            _score_gold(snapshot, schema, user_id, gold[item_id], value)
        if verdict in ("reject", "correct"):
            continue  # rejected and corrected annotations leave the consensus
        for question in schema.questions:
            answer = read_answer(question, value)
            if answer is not None:
                snapshot.rows[question.name].append((item_id, user_id, answer))
    return snapshot


def _score_gold(
    snapshot: Snapshot, schema: LabelSchema, user: int, gold: dict[str, Any], value: dict[str, Any]
) -> None:
    scores = score_answer(schema, gold, value)
    overall = snapshot.tallies[(user, "")]
    overall.gold_count += 1
    overall.gold_correct += int(bool(scores) and all(scores.values()))
    for name, right in scores.items():
        snapshot.tallies[(user, name)].gold_count += 1
        snapshot.tallies[(user, name)].gold_correct += int(right)


# --- writing -------------------------------------------------------------------------------------------------

Transaction = Callable[[], AbstractContextManager[Connection]]


def _upsert(conn: Connection, table: Any, rows: list[dict[str, Any]], keys: list[str]) -> None:
    make = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = make(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=keys, set_={name: stmt.excluded[name] for name in rows[0] if name not in keys}
    )
    conn.execute(stmt, rows)


def _chunks(rows: list[Any], size: int | None = None) -> Iterator[list[Any]]:
    size = size or BATCH
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def write_results(
    transaction: Transaction,
    project_id: int,
    consensus_rows: list[dict[str, Any]],
    reliability_rows: list[dict[str, Any]],
    now: datetime,
) -> None:
    """Upsert consensus and reliability rows a batch per transaction, then drop rows this run did not write.

    Readers may see old and new rows side by side until the last batch; the project stays stale (and
    ``ensure_fresh`` callers wait on the refresh lock) until ``finish`` records the run.
    """
    for batch in _chunks(consensus_rows):
        with transaction() as conn:
            _upsert(conn, Consensus.__table__, batch, ["item_id", "question"])
    for batch in _chunks(reliability_rows):
        with transaction() as conn:
            _upsert(conn, AnnotatorReliability.__table__, batch, ["project_id", "user_id", "question"])
    with transaction() as conn:
        # Every row this run wrote carries its exact timestamp; the rest are answers that no longer count.
        conn.execute(delete(Consensus).where(Consensus.project_id == project_id, Consensus.updated_at != now))
        conn.execute(
            delete(AnnotatorReliability).where(
                AnnotatorReliability.project_id == project_id, AnnotatorReliability.updated_at != now
            )
        )


def top_up(transaction: Transaction, project: Project, unsure: list[int]) -> int:
    """Dynamic overlap: reopen finished items whose consensus is unsure for one more label, up to the maximum."""
    threshold, most = project.confidence_threshold, project.max_overlap
    if threshold is None or most is None or most <= project.overlap:
        return 0
    reopened = 0
    gold = select(ItemGold.item_id).where(ItemGold.item_id == Item.id).exists()
    for batch in _chunks(sorted(unsure), 1000):
        with transaction() as conn:
            result = conn.execute(
                update(Item)
                .where(
                    Item.id.in_(batch),
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


def finish(
    conn: Connection, project_id: int, summary: dict[str, Any], now: datetime, snapshot: Snapshot
) -> None:
    """Record the run; the project stays dirty when a review, gold or settings change landed meanwhile."""
    make = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(
        make(QualityState)
        .values(project_id=project_id, dirty=True, summary={}, generation=0)
        .on_conflict_do_nothing(index_elements=["project_id"])
    )
    conn.execute(
        update(QualityState)
        .where(QualityState.project_id == project_id)
        .values(
            refreshed_at=now,
            watermark=snapshot.newest,
            summary=summary,
            dirty=QualityState.generation != snapshot.generation,
        )
    )


def newest_annotation(session: Session | Connection, project_id: int) -> datetime | None:
    """When the project's newest annotation was made (one indexed ``max``)."""
    return session.scalar(select(func.max(Annotation.created_at)).where(Annotation.project_id == project_id))
