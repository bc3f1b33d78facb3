"""Span agreement (exact and token-overlap F1) and span consensus across annotators.

A span is ``(start, end, label)`` with ``end`` exclusive, in the unit the text uses (tokens or characters).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import Literal

import numpy as np
import pandas as pd

from assay.errors import InvalidInput
from assay.quality._matching import Matching, cluster_annotations, required_support

__all__ = ["Span", "ConsensusSpan", "span_f1", "pairwise_span_f1", "span_consensus", "interval_iou"]

Span = tuple[int, int, Hashable]
SpanMode = Literal["exact", "token"]


def _checked(spans: Iterable[Span]) -> list[Span]:
    out = []
    for span in spans:
        if len(span) != 3:
            raise InvalidInput("a span is (start, end, label)")
        start, end, label = span
        if int(start) != start or int(end) != end or end <= start or start < 0:
            raise InvalidInput(f"span needs integer 0 <= start < end, got {span!r}")
        out.append((int(start), int(end), label))
    return out


def _token_counts(spans: list[Span]) -> Counter[tuple[int, Hashable]]:
    """(position, label) multiset covered by the spans; overlapping spans of one annotator count once."""
    return Counter({(pos, label): 1 for start, end, label in spans for pos in range(start, end)})


def span_f1(reference: Iterable[Span], other: Iterable[Span], mode: SpanMode = "exact") -> float:
    """Agreement of two annotators' spans on one text, as F1 (symmetric, so no side is 'truth').

    ``"exact"``: spans agree only with identical start, end and label, F1 = 2·|A ∩ B| / (|A| + |B|).
    ``"token"``: the same over labelled positions, so partly overlapping spans earn partial credit. Two empty
    annotations agree fully (1.0).

    Example:
        >>> span_f1([(0, 4, "PER"), (10, 12, "LOC")], [(0, 4, "PER"), (10, 13, "LOC")])
        0.5
        >>> round(span_f1([(0, 4, "PER"), (10, 12, "LOC")], [(0, 4, "PER"), (10, 13, "LOC")], "token"), 4)
        0.9231
    """
    first, second = _checked(reference), _checked(other)
    if mode == "exact":
        a, b = Counter(set(first)), Counter(set(second))
    elif mode == "token":
        a, b = _token_counts(first), _token_counts(second)
    else:
        raise InvalidInput(f"mode must be 'exact' or 'token', not {mode!r}")
    total = sum(a.values()) + sum(b.values())
    return 1.0 if total == 0 else 2 * sum((a & b).values()) / total


def pairwise_span_f1(
    annotations: Mapping[Hashable, Iterable[Span]], mode: SpanMode = "exact"
) -> pd.DataFrame:
    """Annotator × annotator matrix of :func:`span_f1` (diagonal 1); its off-diagonal mean is the usual
    'average pairwise F1' agreement for span tasks (Hripcsak & Rothschild 2005)."""
    names = sorted(annotations, key=str)
    spans = {name: list(annotations[name]) for name in names}
    matrix = np.eye(len(names))
    for (i, a), (j, b) in combinations(enumerate(names), 2):
        matrix[i, j] = matrix[j, i] = span_f1(spans[a], spans[b], mode)
    return pd.DataFrame(matrix, index=names, columns=names)


def interval_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise IoU of half-open intervals given as ``(n, 2)`` and ``(m, 2)`` arrays of (start, end)."""
    inter = np.clip(
        np.minimum(a[:, None, 1], b[None, :, 1]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None
    )
    union = (a[:, 1] - a[:, 0])[:, None] + (b[:, 1] - b[:, 0])[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter, dtype=np.float64), where=union > 0)


@dataclass(frozen=True)
class ConsensusSpan:
    """A span kept by consensus: boundaries, label, ``support`` (annotators who agree) and who they are."""

    start: int
    end: int
    label: Hashable
    support: int
    annotators: tuple[Hashable, ...]


def span_consensus(
    annotations: Mapping[Hashable, Iterable[Span]],
    *,
    quorum: float = 0.5,
    match: Literal["exact", "overlap"] = "exact",
    min_iou: float = 0.5,
    method: Matching = "hungarian",
) -> list[ConsensusSpan]:
    """Spans that at least ``quorum`` annotators agree on (an int, or a fraction of annotators rounded up).

    ``match="exact"``: identical (start, end, label). ``match="overlap"``: same label and interval IoU ≥
    ``min_iou``, matched one-to-one per annotator like boxes (:func:`~assay.quality.box_consensus`); the kept
    span is the member whose boundaries overlap the others most (a medoid, so boundaries are ones an annotator
    actually chose). Result sorted by (start, end).

    Example:
        >>> votes = {"a": [(0, 4, "PER")], "b": [(0, 4, "PER"), (7, 9, "LOC")], "c": [(0, 5, "PER")]}
        >>> [(s.start, s.end, s.label, s.support) for s in span_consensus(votes, quorum=2)]
        [(0, 4, 'PER', 2)]
        >>> [(s.start, s.end, s.support) for s in span_consensus(votes, quorum=2, match="overlap")]
        [(0, 4, 3)]
    """
    names = sorted(annotations, key=str)
    spans = [
        sorted(set(_checked(annotations[name])), key=lambda s: (s[0], s[1], str(s[2]))) for name in names
    ]
    need = required_support(quorum, len(names))
    result: list[ConsensusSpan] = []
    if match == "exact":
        voters: dict[Span, list[Hashable]] = {}
        for name, own in zip(names, spans, strict=True):
            for span in own:
                voters.setdefault(span, []).append(name)
        for (start, end, label), who in voters.items():
            if len(who) >= need:
                result.append(ConsensusSpan(start, end, label, len(who), tuple(who)))
    elif match == "overlap":
        bounds = [np.array([(s, e) for s, e, _ in own], dtype=np.float64).reshape(-1, 2) for own in spans]
        labels = [np.array([lab for _, _, lab in own], dtype=object) for own in spans]
        for group in cluster_annotations(bounds, labels, interval_iou, min_iou, method):
            if len(group) < need:
                continue
            members = np.array([bounds[a][i] for a, i in group])
            best = int(interval_iou(members, members).sum(axis=1).argmax())
            a, i = group[best]
            start, end, label = spans[a][i]
            result.append(ConsensusSpan(start, end, label, len(group), tuple(names[m] for m, _ in group)))
    else:
        raise InvalidInput(f"match must be 'exact' or 'overlap', not {match!r}")
    return sorted(result, key=lambda s: (s.start, s.end, str(s.label)))
