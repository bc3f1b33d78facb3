import pytest

from assay.errors import InvalidInput
from assay.quality import pairwise_span_f1, span_consensus, span_f1
from assay.quality.spans import interval_iou


def test_exact_and_token_f1() -> None:
    a = [(0, 4, "PER"), (10, 12, "LOC")]
    b = [(0, 4, "PER"), (10, 13, "LOC"), (20, 22, "ORG")]
    assert span_f1(a, b) == pytest.approx(2 * 1 / 5)
    # tokens: a = 4 PER + 2 LOC, b = 4 PER + 3 LOC + 2 ORG, shared = 6.
    assert span_f1(a, b, "token") == pytest.approx(2 * 6 / 15)
    assert span_f1(a, a) == 1.0 and span_f1(a, a, "token") == 1.0
    assert span_f1([], []) == 1.0 and span_f1(a, []) == 0.0


def test_labels_must_agree_too() -> None:
    assert span_f1([(0, 4, "PER")], [(0, 4, "ORG")]) == 0.0
    assert span_f1([(0, 4, "PER")], [(0, 4, "ORG")], "token") == 0.0


def test_pairwise_matrix_is_symmetric() -> None:
    matrix = pairwise_span_f1({"b": [(0, 2, "X")], "a": [(0, 2, "X")], "c": [(5, 6, "X")]})
    assert list(matrix.index) == ["a", "b", "c"]
    assert matrix.loc["a", "b"] == 1.0 and matrix.loc["a", "c"] == 0.0
    assert (matrix.to_numpy() == matrix.to_numpy().T).all()


def test_exact_consensus_with_quorum() -> None:
    votes = {
        "a": [(0, 4, "PER"), (7, 9, "LOC")],
        "b": [(0, 4, "PER"), (7, 9, "LOC")],
        "c": [(0, 5, "PER"), (7, 9, "ORG")],
    }
    kept = span_consensus(votes, quorum=2)
    assert [(s.start, s.end, s.label, s.support, s.annotators) for s in kept] == [
        (0, 4, "PER", 2, ("a", "b")),
        (7, 9, "LOC", 2, ("a", "b")),
    ]
    assert len(span_consensus(votes, quorum=3)) == 0
    assert len(span_consensus(votes, quorum=1)) == 4


def test_overlap_consensus_uses_medoid_boundaries() -> None:
    votes = {"a": [(0, 4, "PER")], "b": [(1, 4, "PER")], "c": [(0, 5, "PER")], "d": [(30, 33, "PER")]}
    kept = span_consensus(votes, match="overlap", quorum=0.5)
    assert [(s.start, s.end, s.support) for s in kept] == [(0, 4, 3)]
    assert span_consensus(votes, match="overlap", quorum=2, min_iou=0.9) == []


def test_interval_iou_and_invalid_spans() -> None:
    import numpy as np

    assert interval_iou(np.array([[0.0, 4.0]]), np.array([[2.0, 6.0], [4.0, 5.0]])).tolist() == [[1 / 3, 0.0]]
    with pytest.raises(InvalidInput):
        span_f1([(4, 2, "X")], [])
    with pytest.raises(InvalidInput):
        span_f1([(0, 2)], [])  # type: ignore[list-item]
    with pytest.raises(InvalidInput):
        span_f1([], [], "fuzzy")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        span_consensus({"a": []}, match="fuzzy")  # type: ignore[arg-type]
