"""Consensus for answers that are not one class: spans, relations, rankings and free text (pure, no I/O).

* **spans** (NER): a span (start, end, label) is kept when a majority of the item's annotators marked exactly
  it (``assay.quality.span_consensus``, quorum ⌊n/2⌋+1). Confidence: the annotators' mean span F1 against
  the kept spans. Agreement: mean pairwise span F1, exact and by overlapping characters.
* **relations**: a (head span, tail span, label) triple is kept by the same majority; figures as for spans.
* **ranking / response_ranking**: the Borda order (options sorted by mean rank, tie groups counting their
  mean position). Confidence: mean Kendall τ-b of the annotators' rankings to it, floored at 0. Agreement:
  mean pairwise τ-b.
* **free_text / demonstration**: nothing to vote on, so the consensus is the *medoid* answer, the one most
  similar to the others (word-overlap F1 after lower-casing); its confidence is that mean similarity. These
  confidences say how alike people wrote, not how sure a label is: they never rank items for review or
  dynamic overlap (method ``medoid``).

Each annotator "agrees" when their whole answer equals the consensus; their ``skill`` is their mean F1
(spans, relations) or τ (rankings) against it.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable
from itertools import combinations
from typing import Any

import numpy as np

from assay.quality import span_consensus
from assay.services.aggregation import Outcome, Row, mean_or_none
from assay.services.answers import span_json

MEDOID = "medoid"
_WORD = re.compile(r"\w+")


def _by_item(rows: list[Row]) -> dict[int, dict[int, Any]]:
    grouped: dict[int, dict[int, Any]] = defaultdict(dict)
    for item, user, answer in rows:
        grouped[item].setdefault(user, answer)  # the first answer of a repeated (item, annotator) counts
    return grouped


def set_f1(first: frozenset[Any] | set[Any], second: frozenset[Any] | set[Any]) -> float:
    """2·|A ∩ B| / (|A| + |B|); two empty sets agree fully."""
    total = len(first) + len(second)
    return 1.0 if total == 0 else 2 * len(first & second) / total


def _pairwise_mean(answers: list[Any], score: Callable[[Any, Any], float]) -> float | None:
    if len(answers) < 2:
        return None
    return float(np.mean([score(a, b) for a, b in combinations(answers, 2)]))


def _score(outcome: Outcome, scores: dict[int, float], equal: dict[int, bool]) -> None:
    """Count one item's answers: exact agreement with the consensus, and each one's score against it."""
    for user, score in scores.items():
        person = outcome.people[user]
        person.n_labels += 1
        person.agreed += int(equal[user])
        # The running sum of scores waits in ``skill`` until ``_skills`` turns it into a mean.
        person.skill = (person.skill or 0.0) + score


def _skills(outcome: Outcome) -> None:
    """Each annotator's mean score against the consensus (their F1 or τ), as ``skill``."""
    for person in outcome.people.values():
        person.skill = (person.skill or 0.0) / person.n_labels if person.n_labels else None


def _positions(spans: frozenset[tuple[int, int, str]]) -> frozenset[tuple[int, str]]:
    """(character, label) pairs the spans cover: what overlap F1 counts (as ``span_f1(..., "token")``)."""
    return frozenset((position, label) for start, end, label in spans for position in range(start, end))


def span_outcome(question: Any, rows: list[Row]) -> Outcome:
    """Spans kept by a majority of the item's annotators (exact match), with span F1 figures."""
    outcome = Outcome({}, "span_vote")
    exact: list[float] = []
    overlap: list[float] = []
    for item, answers in _by_item(rows).items():
        texts = {span[:3]: span[3] for answer in answers.values() for span in answer if span[3] is not None}
        voters = {user: frozenset(span[:3] for span in answer) for user, answer in answers.items()}
        kept = span_consensus(voters, quorum=len(voters) // 2 + 1, match="exact")
        truth = frozenset((s.start, s.end, s.label) for s in kept)
        value = [
            {
                **span_json((s.start, s.end, s.label, texts.get((s.start, s.end, s.label)))),
                "support": s.support,
            }
            for s in kept
        ]
        mine = {user: set_f1(spans, truth) for user, spans in voters.items()}  # = span_f1, exact
        outcome.consensus[item] = (value, float(np.mean(list(mine.values()))), len(voters))
        _score(outcome, mine, {user: spans == truth for user, spans in voters.items()})
        if len(voters) >= 2:
            exact.append(_pairwise_mean(list(voters.values()), set_f1) or 0.0)
            covered = [_positions(spans) for spans in voters.values()]
            overlap.append(_pairwise_mean(covered, set_f1) or 0.0)
    outcome.figures = {"f1": mean_or_none(exact), "overlap_f1": mean_or_none(overlap)}
    _skills(outcome)
    return outcome


def relation_outcome(question: Any, rows: list[Row]) -> Outcome:
    """(head, tail, label) triples kept by a majority of the item's annotators, with F1 figures."""
    outcome = Outcome({}, "relation_vote")
    pairwise: list[float] = []
    for item, answers in _by_item(rows).items():
        need = len(answers) // 2 + 1
        support = Counter(triple for answer in answers.values() for triple in answer)
        truth = frozenset(triple for triple, votes in support.items() if votes >= need)
        value = [
            {
                "from": span_json(head),
                "to": span_json(tail),
                "label": label,
                "support": support[(head, tail, label)],
            }
            for head, tail, label in sorted(truth, key=str)
        ]
        mine = {user: set_f1(answer, truth) for user, answer in answers.items()}
        outcome.consensus[item] = (value, float(np.mean(list(mine.values()))), len(answers))
        _score(outcome, mine, {user: answer == truth for user, answer in answers.items()})
        if len(answers) >= 2:
            pairwise.append(_pairwise_mean(list(answers.values()), set_f1) or 0.0)
    outcome.figures = {"f1": mean_or_none(pairwise)}
    _skills(outcome)
    return outcome


# --- rankings ----------------------------------------------------------------------------------------------


def _ranks(groups: tuple[tuple[Hashable, ...], ...]) -> dict[Hashable, float]:
    """Position of each option (0 = best); a tie group shares the mean of the positions it spans."""
    out: dict[Hashable, float] = {}
    position = 0
    for group in groups:
        for option in group:
            out[option] = position + (len(group) - 1) / 2
        position += len(group)
    return out


def kendall_tau(first: dict[Hashable, float], second: dict[Hashable, float]) -> float:
    """Kendall's τ-b of two rankings over the options they share; 1 when there is nothing to order."""
    shared = [o for o in first if o in second]
    if len(shared) < 2:
        return 1.0
    # Plain loops: rankings are short, and numpy's per-call cost exceeds the work for a handful of options.
    concordant = pairs_x = pairs_y = 0
    for i, a in enumerate(shared):
        xa, ya = first[a], second[a]
        for b in shared[i + 1 :]:
            dx, dy = xa - first[b], ya - second[b]
            pairs_x += dx != 0
            pairs_y += dy != 0
            concordant += (dx > 0) - (dx < 0) if dy > 0 else ((dx < 0) - (dx > 0) if dy < 0 else 0)
    if pairs_x == 0 or pairs_y == 0:
        return 1.0 if pairs_x == pairs_y else 0.0  # both all tied: the same order; one all tied: no relation
    return max(-1.0, min(1.0, concordant / math.sqrt(pairs_x * pairs_y)))


def _borda(
    rankings: list[tuple[tuple[Hashable, ...], ...]], order: list[Hashable]
) -> tuple[tuple[Hashable, ...], ...]:
    """Options by mean rank (missing ones rank after the given ones); equal means form one tie group."""
    options = list(dict.fromkeys([*order, *(o for r in rankings for g in r for o in g)]))
    tiebreak = {o: i for i, o in enumerate(options)}
    totals: dict[Hashable, float] = defaultdict(float)
    for ranking in rankings:
        ranks = _ranks(ranking)
        last = len(ranks) + (len([o for o in options if o not in ranks]) - 1) / 2
        for option in options:
            totals[option] += ranks.get(option, last)
    sorted_options = sorted(options, key=lambda o: (round(totals[o], 9), tiebreak[o]))
    groups: list[list[Hashable]] = []
    for option in sorted_options:
        if groups and abs(totals[groups[-1][0]] - totals[option]) < 1e-9:
            groups[-1].append(option)
        else:
            groups.append([option])
    return tuple(tuple(g) for g in groups)


def ranking_outcome(question: Any, rows: list[Row]) -> Outcome:
    """The Borda (mean-rank) order per item, with Kendall τ confidence and agreement."""
    order: list[Hashable] = [o.value for o in getattr(question, "options", [])]
    ties = bool(getattr(question, "allow_ties", False))
    outcome = Outcome({}, "mean_rank")
    pairwise: list[float] = []
    for item, answers in _by_item(rows).items():
        everything = order or sorted({o for r in answers.values() for g in r for o in g})
        groups = _borda(list(answers.values()), everything)
        if not ties:
            groups = tuple((o,) for g in groups for o in g)  # break ties by the options' order
        truth = _ranks(groups)
        ranks = {user: _ranks(answer) for user, answer in answers.items()}
        taus = {user: kendall_tau(mine, truth) for user, mine in ranks.items()}
        value = [list(g) for g in groups] if ties else [o for g in groups for o in g]
        outcome.consensus[item] = (value, max(0.0, float(np.mean(list(taus.values())))), len(answers))
        _score(outcome, taus, {user: mine == truth for user, mine in ranks.items()})
        if len(answers) >= 2:
            pairwise.append(_pairwise_mean(list(ranks.values()), kendall_tau) or 0.0)
    outcome.figures = {"kendall_tau": mean_or_none(pairwise)}
    _skills(outcome)
    return outcome


# --- free text -----------------------------------------------------------------------------------------------


def _words(text: str) -> Counter[str]:
    return Counter(_WORD.findall(text.casefold()))


def text_similarity(first: Counter[str], second: Counter[str]) -> float:
    """Word-overlap F1 of two texts' word counts (as SQuAD scores answers); two empty texts match."""
    total = sum(first.values()) + sum(second.values())
    return 1.0 if total == 0 else 2 * sum((first & second).values()) / total


def text_outcome(question: Any, rows: list[Row], stored: Callable[[Any], Any]) -> Outcome:
    """The medoid answer per item: the one with the highest mean similarity to the other answers."""
    grouped = _by_item(rows)
    outcome = Outcome({}, MEDOID)
    pairwise: list[float] = []
    for item, answers in grouped.items():
        texts = list(answers.values())
        words = [_words(t if isinstance(t, str) else t[0]) for t in texts]
        n = len(texts)
        closeness = [0.0] * n
        pairs: list[float] = []
        for i, j in combinations(range(n), 2):
            similar = text_similarity(words[i], words[j])
            closeness[i] += similar
            closeness[j] += similar
            pairs.append(similar)
        best = max(range(n), key=lambda i: (closeness[i], -i))  # ties: the earliest answer
        confidence = closeness[best] / (n - 1) if n > 1 else 1.0
        if pairs:
            pairwise.append(sum(pairs) / len(pairs))
        outcome.consensus[item] = (stored(texts[best]), confidence, n)
    outcome.figures = {"text_similarity": mean_or_none(pairwise)}
    return outcome
