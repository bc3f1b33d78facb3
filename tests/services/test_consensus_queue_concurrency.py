"""The queue with gold mixed in, under real concurrency on both databases: every regular item gets exactly its
overlap, nobody sees a gold item twice, and gold answers never count toward the regular items."""

from __future__ import annotations

import random
import threading
from collections import Counter

from sqlalchemy import text

from assay.services import labeling, quality_queue
from assay.services.auth import Credentials
from tests.factories import SECRET

ANNOTATORS = 12
ITEMS = 120
GOLD = 10
OVERLAP = 2


def test_gold_mixed_queue_keeps_its_invariants_under_concurrency(org, engine, monkeypatch):
    monkeypatch.setattr(quality_queue, "random", random.Random(7))
    pid = org.project(overlap=OVERLAP, gold_rate=0.2)["id"]
    org.add_items(
        pid,
        [{"text": f"gold {i}", "gold": {"sentiment": "positive"}} for i in range(GOLD)]
        + [{"text": f"item {i}"} for i in range(ITEMS)],
    )
    people = [org.member() for _ in range(ANNOTATORS)]
    errors: list[BaseException] = []
    seen: dict[int, list[int]] = {}
    start = threading.Barrier(ANNOTATORS)

    def work(member) -> None:  # type: ignore[no-untyped-def]
        creds = Credentials("token", member.token)
        common = dict(key=SECRET, creds=creds, project_id=pid, reap_interval=1.0)
        mine: list[int] = []
        try:
            start.wait()
            task = labeling.serve_next(engine, **common)["task"]
            while task is not None:
                mine.append(task["item"]["id"])
                task = labeling.serve_submit(
                    engine,
                    **common,
                    lease_id=task["lease_id"],
                    value={"sentiment": "positive"},
                    idempotency_key=None,
                    then_next=True,
                )["task"]
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        seen[member.user_id] = mine

    threads = [threading.Thread(target=work, args=(m,)) for m in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors[:3]
    with engine.connect() as conn:
        gold_ids = {
            r[0]
            for r in conn.execute(text("SELECT item_id FROM item_gold WHERE project_id = :p"), {"p": pid})
        }
        rows = conn.execute(
            text(
                "SELECT i.id, i.n_done, i.n_leased, i.complete, count(a.id) FROM items i "
                "LEFT JOIN annotations a ON a.item_id = i.id WHERE i.project_id = :p "
                "GROUP BY i.id, i.n_done, i.n_leased, i.complete"
            ),
            {"p": pid},
        ).fetchall()
    assert len(gold_ids) == GOLD
    for item_id, n_done, n_leased, complete, n_annotations in rows:
        assert n_leased == 0 and bool(complete) and n_done == n_annotations
        if item_id not in gold_ids:
            assert n_done == OVERLAP  # gold answers never took a regular item's place
    for mine in seen.values():
        assert len(mine) == len(set(mine))  # no item, gold or not, twice to one person
    gold_served = Counter(i for mine in seen.values() for i in mine if i in gold_ids)
    regular = sum(1 for mine in seen.values() for i in mine if i not in gold_ids)
    assert regular == ITEMS * OVERLAP
    assert 0 < sum(gold_served.values()) < regular  # mixed in, at a rate, not instead of work
