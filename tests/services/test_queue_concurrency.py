"""The queue under real concurrency: 32 annotators, overlap 3, 500 items, on both databases."""

from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import text

from assay.services import labeling
from assay.services.auth import Credentials
from tests.factories import SECRET

ANNOTATORS = 32
ITEMS = 500
OVERLAP = 3


def test_32_annotators_overlap_3_every_item_exactly_3_distinct(org, engine):
    pid = org.project(overlap=OVERLAP, priority_order="priority")["id"]
    org.add_items(pid, [{"text": f"item {i}"} for i in range(ITEMS)])
    people = [org.member() for _ in range(ANNOTATORS)]
    errors: list[BaseException] = []
    counts = Counter()
    start = threading.Barrier(ANNOTATORS)

    def work(member) -> None:  # type: ignore[no-untyped-def]
        # The same per-request entry points the API calls (on PostgreSQL: the pipelined fast path).
        creds = Credentials("token", member.token)
        common = dict(key=SECRET, creds=creds, project_id=pid, reap_interval=1.0)
        try:
            start.wait()
            task = labeling.serve_next(engine, **common)["task"]
            while task is not None:
                body = labeling.serve_submit(
                    engine,
                    **common,
                    lease_id=task["lease_id"],
                    value={"sentiment": "neutral"},
                    idempotency_key=None,
                    then_next=True,
                )
                assert body["replayed"] is False
                counts[member.user_id] += 1
                task = body["task"]
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(m,)) for m in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors[:3]
    assert sum(counts.values()) == ITEMS * OVERLAP
    with engine.connect() as conn:
        per_item = conn.execute(
            text(
                "SELECT i.id, i.n_done, i.n_leased, i.complete, count(a.id), count(DISTINCT a.user_id) "
                "FROM items i LEFT JOIN annotations a ON a.item_id = i.id WHERE i.project_id = :p GROUP BY i.id, "
                "i.n_done, i.n_leased, i.complete"
            ),
            {"p": pid},
        ).fetchall()
        leased = conn.execute(
            text("SELECT count(*) FROM assignments WHERE project_id = :p AND status = 'leased'"), {"p": pid}
        ).scalar()
    assert len(per_item) == ITEMS
    for _, n_done, n_leased, complete, n_annotations, distinct in per_item:
        assert (n_done, n_leased, bool(complete), n_annotations, distinct) == (
            OVERLAP,
            0,
            True,
            OVERLAP,
            OVERLAP,
        )
    assert leased == 0
    assert len(counts) > 1  # the work was actually shared
