"""The consensus service directly: staleness without per-submit writes, every question kind, weighted voting
from gold, dynamic overlap top-up, never NaN."""

from __future__ import annotations

import math

from sqlalchemy import select
from sqlalchemy.orm import Session

from assay.db.models import AnnotatorReliability, Consensus, Item, Project, QualityState
from assay.services import consensus
from tests.api.test_quality import items_by_text, label

KINDS_SCHEMA = {
    "inputs": [{"name": "text", "type": "text"}],
    "questions": [
        {"name": "tags", "kind": "multi_choice", "options": ["a", "b", "c"]},
        {"name": "score", "kind": "rating", "min": 1, "max": 5},
        {"name": "better", "kind": "pairwise", "allow_tie": True},
        {"name": "note", "kind": "free_text", "required": False},
    ],
}


def _project(engine, pid):
    with Session(engine, expire_on_commit=False) as session:
        return session.get(Project, pid)


def _consensus(engine, pid):
    with Session(engine) as session:
        rows = session.scalars(select(Consensus).where(Consensus.project_id == pid))
        return {
            (c.item_id, c.question): (consensus.unwrap(c.value), c.confidence, c.method, c.n_labels)
            for c in rows
        }


def test_submits_write_nothing_yet_make_the_project_stale(org, client, engine):
    pid = org.project(overlap=2)["id"]
    org.texts(pid, 2)
    project = _project(engine, pid)
    assert consensus.ensure_fresh(engine, project) is True  # never computed: runs on an empty project
    assert consensus.ensure_fresh(engine, project) is False
    with Session(engine) as session:
        before = session.get(QualityState, pid).refreshed_at
    label(client, pid, org.member(), lambda t: {"sentiment": "positive"})
    with Session(engine) as session:
        state = session.get(QualityState, pid)
        assert state.refreshed_at == before and state.dirty is False  # the submit wrote nothing here
        assert consensus.is_stale(session, project) is True
    assert consensus.ensure_fresh(engine, project) is True
    with Session(engine) as session:
        consensus.mark_dirty(session, pid)
        consensus.mark_dirty(session, pid)  # an upsert: twice is fine
        session.commit()
        assert consensus.is_stale(session, project) is True


def test_every_choice_like_kind_gets_a_consensus(org, client, engine):
    pid = org.project(label_schema=KINDS_SCHEMA, overlap=3, aggregation="dawid_skene")["id"]
    org.add_items(pid, [{"text": "x"}])
    answers = [
        {"tags": ["a", "b"], "score": 4, "better": "A", "note": "fine"},
        {"tags": ["a"], "score": 4, "better": "a"},
        {"tags": ["b", "a"], "score": 2, "better": {"choice": "tie"}},
    ]
    for answer in answers:
        label(client, pid, org.member(), lambda t, answer=answer: answer)
    consensus.ensure_fresh(engine, _project(engine, pid))
    item = items_by_text(client, org, pid)["x"]
    found = _consensus(engine, pid)
    assert found[(item, "tags")][0] == ["a", "b"] and found[(item, "tags")][3] == 3
    assert found[(item, "score")][0] == 4
    assert found[(item, "better")][0] == "A"
    assert found[(item, "note")] == ("fine", 1.0, "medoid", 1)  # free text: the medoid answer
    assert all(0 <= c[1] <= 1 and not math.isnan(c[1]) for c in found.values())
    with Session(engine) as session:
        rows = list(
            session.scalars(select(AnnotatorReliability).where(AnnotatorReliability.project_id == pid))
        )
        summary = session.get(QualityState, pid).summary
    assert {r.question for r in rows} == {"", "tags", "score", "better"}
    score_rows = [r for r in rows if r.question == "score"]
    assert all(r.confusion["classes"] == [2, 4] for r in score_rows)
    alpha = summary["questions"]["score"]["krippendorff_alpha"]
    assert alpha is None or -1 <= alpha <= 1  # ordinal level; never NaN
    assert summary["method"] == "dawid_skene"


def test_weighted_majority_vote_trusts_annotators_good_on_gold(org, client, engine):
    pid = org.project(overlap=3, aggregation="weighted_majority_vote")["id"]
    org.add_items(pid, [{"text": f"g{i}"} for i in range(3)] + [{"text": "open"}])
    expert, novice_a, novice_b = org.member(), org.member(), org.member()
    label(client, pid, expert, lambda t: {"sentiment": "positive" if t.startswith("g") else "neutral"})
    label(client, pid, novice_a, lambda t: {"sentiment": "negative"})
    label(client, pid, novice_b, lambda t: {"sentiment": "negative" if t.startswith("g") else "positive"})
    ids = items_by_text(client, org, pid)
    for i in range(3):
        client.put(
            f"/api/v1/projects/{pid}/items/{ids[f'g{i}']}/gold",
            json={"value": {"sentiment": "positive"}},
            headers=org.owner.headers,
        )
    consensus.ensure_fresh(engine, _project(engine, pid))
    value, confidence, method, n = _consensus(engine, pid)[(ids["open"], "sentiment")]
    # Plain majority has no majority here (3 different answers); gold accuracy 4/5 vs 1/5 decides.
    assert value == "neutral" and method == "weighted_majority_vote" and n == 3


def test_refresh_tops_up_unsure_items_for_dynamic_overlap(org, client, engine):
    pid = org.project(overlap=2, max_overlap=4, confidence_threshold=0.75)["id"]
    org.add_items(pid, [{"text": "sure"}, {"text": "unsure"}])
    label(client, pid, org.member(), lambda t: {"sentiment": "positive"})
    label(client, pid, org.member(), lambda t: {"sentiment": "positive" if t == "sure" else "negative"})
    consensus.ensure_fresh(engine, _project(engine, pid))
    ids = items_by_text(client, org, pid)
    with Session(engine) as session:
        unsure, sure = session.get(Item, ids["unsure"]), session.get(Item, ids["sure"])
        assert (unsure.complete, unsure.extra_overlap, unsure.n_done) == (False, 1, 2)
        assert (sure.complete, sure.extra_overlap) == (True, 0)
        assert session.get(QualityState, pid).summary["reopened"] == 1
