"""The SDK's quality methods against the real app (both databases)."""

from __future__ import annotations

import pytest

from assay.sdk import Client
from assay.sdk import PermissionDenied as SdkPermissionDenied
from tests.api.test_quality import crowd, items_by_text


@pytest.fixture
def owner_sdk(org, client):
    return Client("http://testserver", org.owner.token, http=client, backoff=0)


def test_sdk_quality_figures(org, client, owner_sdk):
    pid, truth, good, odd = crowd(org, client)
    summary = owner_sdk.quality(pid)
    assert summary.annotations == 12 and summary.questions["sentiment"].items == 4
    assert owner_sdk.refresh_quality(pid).recomputed is False
    assert owner_sdk.refresh_quality(pid, force=True).recomputed is True
    people = {p.user_id: p for p in owner_sdk.annotator_quality(pid)}
    assert people[odd.user_id].questions["sentiment"].agreement.accuracy == 0.5
    matrix = owner_sdk.confusion(pid, "sentiment", user_id=odd.user_id)
    assert matrix.matrix[0][1] == 1
    ids = items_by_text(client, org, pid)
    worst = owner_sdk.disagreements(pid, limit=2)
    assert {w.item_id for w in worst} == {ids["t0"], ids["t1"]}
    assert owner_sdk.consensus(pid, ids["t2"])["sentiment"].value == "positive"


def test_sdk_gold_review_and_standing(org, client, owner_sdk):
    pid, truth, good, odd = crowd(org, client)
    ids = items_by_text(client, org, pid)
    gold = owner_sdk.set_gold(pid, ids["t3"], {"sentiment": "negative"})
    assert gold.item_id == ids["t3"] and [g.item_id for g in owner_sdk.gold(pid)] == [ids["t3"]]
    owner_sdk.clear_gold(pid, ids["t3"])
    assert owner_sdk.gold(pid) == []
    queue = owner_sdk.review_queue(pid, "disagreed")
    assert {t.annotation.user_id for t in queue} == {odd.user_id}
    review = owner_sdk.review(pid, queue[0].annotation.id, "reject", comment="no")
    assert review.verdict == "reject"
    assert [r.id for r in owner_sdk.reviews(pid, annotator_id=odd.user_id)] == [review.id]
    assert owner_sdk.pause(pid, odd.user_id, "check").status == "paused"
    assert {s.user_id: s.status for s in owner_sdk.annotator_states(pid)}[odd.user_id] == "paused"
    assert owner_sdk.reinstate(pid, odd.user_id).status == "active"
    annotator = Client("http://testserver", odd.token, http=client, backoff=0)
    with pytest.raises(SdkPermissionDenied):
        annotator.quality(pid)
