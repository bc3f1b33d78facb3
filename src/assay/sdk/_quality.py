"""Client methods for quality: consensus, agreement, annotator reliability, gold answers, review, standing."""

from __future__ import annotations

from typing import Any, Literal

from assay.sdk._http import Http
from assay.sdk._models import (
    AnnotatorQuality,
    AnnotatorState,
    Confusion,
    ConsensusValue,
    Disagreement,
    Gold,
    QualitySummary,
    RefreshResult,
    Review,
    ReviewTask,
)

ReviewQueue = Literal["low_confidence", "disagreed", "random"]
Verdict = Literal["accept", "reject", "correct"]


class QualityMethods:
    """The quality part of :class:`~assay.sdk.Client` (mixed in; uses its HTTP connection)."""

    _http: Http

    def quality(self, project_id: int) -> QualitySummary:
        """Agreement per question and counts; the server recomputes consensus first if labels arrived."""
        return QualitySummary.model_validate(self._http.json("GET", f"/projects/{project_id}/quality"))

    def refresh_quality(self, project_id: int, *, force: bool = False) -> RefreshResult:
        """Run the project's aggregation now if anything changed (``force`` to run regardless)."""
        body = self._http.json(
            "POST", f"/projects/{project_id}/quality/refresh", params={"force": force or None}
        )
        return RefreshResult.model_validate(body)

    def annotator_quality(self, project_id: int) -> list[AnnotatorQuality]:
        """Per annotator: agreement with consensus, gold accuracy and reviews with Wilson intervals."""
        rows = self._http.json("GET", f"/projects/{project_id}/quality/annotators")
        return [AnnotatorQuality.model_validate(row) for row in rows]

    def confusion(
        self, project_id: int, question: str | None = None, *, user_id: int | None = None
    ) -> Confusion:
        """Confusion matrix (consensus × answer) of a question, pooled or for one annotator."""
        body = self._http.json(
            "GET",
            f"/projects/{project_id}/quality/confusion",
            params={"question": question, "user_id": user_id},
        )
        return Confusion.model_validate(body)

    def disagreements(self, project_id: int, *, limit: int = 20) -> list[Disagreement]:
        """Items whose consensus is least sure, with the answers given."""
        rows = self._http.json(
            "GET", f"/projects/{project_id}/quality/disagreements", params={"limit": limit}
        )
        return [Disagreement.model_validate(row) for row in rows]

    def consensus(self, project_id: int, item_id: int) -> dict[str, ConsensusValue]:
        """One item's consensus by question: value, confidence, method, number of labels."""
        body = self._http.json("GET", f"/projects/{project_id}/items/{item_id}/consensus")
        return {name: ConsensusValue.model_validate(value) for name, value in body.items()}

    def set_gold(self, project_id: int, item_id: int, value: dict[str, Any]) -> Gold:
        """Give an item a known answer (managers); it is checked against the schema."""
        body = self._http.json("PUT", f"/projects/{project_id}/items/{item_id}/gold", json={"value": value})
        return Gold.model_validate(body)

    def clear_gold(self, project_id: int, item_id: int) -> None:
        """Remove an item's known answer (managers)."""
        self._http.json("DELETE", f"/projects/{project_id}/items/{item_id}/gold")

    def gold(self, project_id: int, *, limit: int = 1000) -> list[Gold]:
        """The project's gold answers (managers), every page."""
        out: list[Gold] = []
        after: int | None = None
        while True:
            rows = self._http.json(
                "GET", f"/projects/{project_id}/gold", params={"limit": limit, "after": after}
            )
            out.extend(Gold.model_validate(row) for row in rows)
            if len(rows) < limit:
                return out
            after = rows[-1]["item_id"]

    def review_queue(
        self,
        project_id: int,
        kind: ReviewQueue = "low_confidence",
        *,
        limit: int = 20,
        below: float | None = None,
    ) -> list[ReviewTask]:
        """Annotations to review: low consensus confidence, disagreeing with consensus, or a random sample."""
        rows = self._http.json(
            "GET",
            f"/projects/{project_id}/review/queue",
            params={"kind": kind, "limit": limit, "below": below},
        )
        return [ReviewTask.model_validate(row) for row in rows]

    def review(
        self,
        project_id: int,
        annotation_id: int,
        verdict: Verdict,
        *,
        value: dict[str, Any] | None = None,
        comment: str = "",
    ) -> Review:
        """Accept, reject (the item goes back to the pool) or correct (with ``value``) an annotation."""
        body = self._http.json(
            "POST",
            f"/projects/{project_id}/annotations/{annotation_id}/review",
            json={"verdict": verdict, "value": value, "comment": comment},
            retry=False,
        )
        return Review.model_validate(body)

    def reviews(self, project_id: int, *, annotator_id: int | None = None, limit: int = 100) -> list[Review]:
        """Reviews, newest first (annotators get those of their own work)."""
        rows = self._http.json(
            "GET", f"/projects/{project_id}/reviews", params={"annotator_id": annotator_id, "limit": limit}
        )
        return [Review.model_validate(row) for row in rows]

    def annotator_states(self, project_id: int) -> list[AnnotatorState]:
        """Every annotator's standing: qualifying, active, failed or paused."""
        rows = self._http.json("GET", f"/projects/{project_id}/quality/states")
        return [AnnotatorState.model_validate(row) for row in rows]

    def reinstate(self, project_id: int, user_id: int) -> AnnotatorState:
        """Let a paused or failed annotator work again (managers)."""
        body = self._http.json("POST", f"/projects/{project_id}/annotators/{user_id}/reinstate")
        return AnnotatorState.model_validate(body)

    def pause(self, project_id: int, user_id: int, reason: str = "") -> AnnotatorState:
        """Stop an annotator from taking work in a project (managers)."""
        body = self._http.json(
            "POST", f"/projects/{project_id}/annotators/{user_id}/pause", json={"reason": reason}
        )
        return AnnotatorState.model_validate(body)
