"""Consensus of every question kind on plain rows (no database): spans, relations, rankings, rubrics, safety
flags, free text and ratings; answers outside the schema; one annotator; never NaN."""

from __future__ import annotations

import math

import pytest

from assay.schema import load_schema
from assay.services.answers import agrees, read_answer, stored_form, vote_key
from assay.services.consensus import outcome_of
from assay.services.structured_consensus import kendall_tau, text_similarity

SCHEMA = load_schema(
    {
        "inputs": [
            {"name": "text", "type": "text"},
            {"name": "messages", "type": "conversation", "required": False},
            {"name": "responses", "type": "responses", "required": False},
        ],
        "questions": [
            {"name": "entities", "kind": "spans", "source": "text", "labels": ["PER", "ORG"]},
            {"name": "links", "kind": "relations", "spans": "entities", "labels": ["works_for"]},
            {"name": "stars", "kind": "rating", "min": 1, "max": 5},
            {"name": "order", "kind": "ranking", "options": ["a", "b", "c"]},
            {"name": "tiers", "kind": "ranking", "options": ["a", "b", "c"], "allow_ties": True},
            {"name": "best", "kind": "response_ranking"},
            {"name": "grade", "kind": "rubric", "criteria": ["helpful", "honest"], "min": 1, "max": 7},
            {"name": "safety", "kind": "safety_flags"},
            {"name": "note", "kind": "free_text"},
            {"name": "ideal", "kind": "demonstration"},
        ],
    }
)
Q = {q.name: q for q in SCHEMA.questions}


def run(name, answers, method="majority_vote"):
    """Consensus of one question over ``{item: [annotation value, ...]}`` (annotator = position + 1)."""
    question = Q[name]
    rows = [
        (item, user, answer)
        for item, values in answers.items()
        for user, value in enumerate(values, start=1)
        if (answer := read_answer(question, value)) is not None
    ]
    return outcome_of(question, rows, method, {})


def finite(outcome):
    numbers = [c for _, c, _ in outcome.consensus.values()] + [
        v for v in outcome.figures.values() if isinstance(v, float)
    ]
    return all(math.isfinite(n) and (n >= -1) for n in numbers)


def spans(*triples):
    return {
        "entities": [{"start": s, "end": e, "label": lab, "text": "x" * (e - s)} for s, e, lab in triples]
    }


def test_spans_kept_by_a_majority_with_f1_figures():
    outcome = run(
        "entities",
        {
            1: [
                spans((0, 4, "PER"), (10, 13, "ORG")),
                spans((0, 4, "PER")),
                spans((0, 4, "PER"), (10, 12, "ORG")),
            ],
            2: [spans(), spans()],
        },
    )
    value, confidence, n = outcome.consensus[1]
    assert value == [{"start": 0, "end": 4, "label": "PER", "text": "xxxx", "support": 3}] and n == 3
    # F1 against the consensus: 2/3, 1, 2/3.
    assert confidence == pytest.approx((2 / 3 + 1 + 2 / 3) / 3)
    assert outcome.consensus[2] == ([], 1.0, 2)  # nobody marked anything: agreed, fully
    assert outcome.method == "span_vote"
    assert 0 < outcome.figures["f1"] < 1 and outcome.figures["overlap_f1"] > outcome.figures["f1"]
    assert outcome.people[2].agreed == 2 and outcome.people[1].agreed == 1  # person 1 had an extra span
    assert outcome.people[2].skill == 1.0
    # Two annotators: a span needs both.
    two = run("entities", {1: [spans((0, 4, "PER")), spans((0, 4, "PER"), (5, 6, "ORG"))]})
    assert [s["label"] for s in two.consensus[1][0]] == ["PER"]


def test_spans_outside_the_schema_are_dropped_and_one_annotator_is_sure():
    odd = {
        "entities": [{"start": 0, "end": 4, "label": "LOC"}, {"start": 5, "end": 2, "label": "PER"}, "junk"]
    }
    outcome = run("entities", {1: [odd, spans((6, 8, "ORG"))]})
    assert outcome.consensus[1][0] == []  # LOC is not a label, 5..2 is not a span; ORG has one vote of two
    alone = run("entities", {1: [spans((6, 8, "ORG"))]})
    assert alone.consensus[1][1] == 1.0 and alone.figures["f1"] is None
    assert read_answer(Q["entities"], {"entities": "not a list"}) is None


def test_relations_majority_of_head_tail_label_triples():
    def answer(*links, extra=False):
        entities = [
            {"start": 0, "end": 4, "label": "PER"},
            {"start": 14, "end": 18, "label": "ORG"},
        ] + ([{"start": 20, "end": 22, "label": "ORG"}] if extra else [])
        return {"entities": entities, "links": [{"from": f, "to": t, "label": "works_for"} for f, t in links]}

    outcome = run("links", {1: [answer((0, 1)), answer((0, 1), (0, 2), extra=True), answer((1, 0))]})
    value, confidence, n = outcome.consensus[1]
    assert value == [
        {
            "from": {"start": 0, "end": 4, "label": "PER"},
            "to": {"start": 14, "end": 18, "label": "ORG"},
            "label": "works_for",
            "support": 2,
        }
    ]
    assert n == 3 and 0 < confidence < 1 and outcome.method == "relation_vote"
    # References that point nowhere or to the span itself are ignored, not a crash.
    broken = {
        "entities": [{"start": 0, "end": 4, "label": "PER"}],
        "links": [{"from": 0, "to": 7, "label": "works_for"}],
    }
    assert read_answer(Q["links"], broken) == frozenset()


def test_rankings_by_mean_rank_with_kendall_confidence():
    outcome = run(
        "order", {1: [{"order": ["a", "b", "c"]}, {"order": ["a", "c", "b"]}, {"order": ["b", "a", "c"]}]}
    )
    value, confidence, n = outcome.consensus[1]
    assert value == ["a", "b", "c"] and n == 3 and outcome.method == "mean_rank"
    assert confidence == pytest.approx((1 + 1 / 3 + 1 / 3) / 3)
    assert outcome.figures["kendall_tau"] == pytest.approx((1 / 3 + 1 / 3 - 1 / 3) / 3)
    reverse = run("order", {1: [{"order": ["a", "b", "c"]}, {"order": ["c", "b", "a"]}]})
    assert reverse.consensus[1][1] == 0.0  # opposite orders: no confidence, never negative
    ties = run("tiers", {1: [{"tiers": [["a"], ["b", "c"]]}, {"tiers": [["a"], ["c", "b"]]}]})
    assert ties.consensus[1][0] == [["a"], ["b", "c"]] and ties.consensus[1][1] == 1.0
    # An option added to the schema since ranks last for old answers; unknown options are dropped.
    old = run("order", {1: [{"order": ["b", "a", "zzz"]}]})
    assert old.consensus[1][0] == ["b", "a", "c"]
    best = run("best", {1: [{"best": [2, 0, 1]}, {"best": [2, 1, 0]}, {"best": [2, 0, 1]}]})
    assert best.consensus[1][0] == [2, 0, 1]
    assert kendall_tau({"a": 0, "b": 1}, {"a": 0, "b": 1}) == 1.0 and kendall_tau({"a": 0}, {"a": 0}) == 1.0


def test_rubric_is_a_rating_per_criterion():
    answers = [
        {"grade": {"helpful": {"score": 6, "comment": "good"}, "honest": 7}},
        {"grade": {"helpful": 6, "honest": 3}},
        {"grade": {"helpful": 2, "honest": 7, "made_up": 1}},
    ]
    outcome = run("grade", {1: answers}, method="dawid_skene")
    value, confidence, n = outcome.consensus[1]
    assert value == {"helpful": 6, "honest": 7} and n == 3 and 0 < confidence <= 1
    assert set(outcome.figures["criteria"]) == {"helpful", "honest"}
    assert outcome.people[1].agreed == 1 and outcome.people[2].agreed == 0
    assert finite(outcome)


def test_rating_ties_go_to_the_value_nearest_the_median():
    outcome = run(
        "stars",
        {1: [{"stars": 1}, {"stars": 4}, {"stars": 5}], 2: [{"stars": 2}, {"stars": 2}, {"stars": 5}]},
    )
    assert outcome.consensus[1][0] == 4  # one vote each: the median, not the smallest
    assert outcome.consensus[2][0] == 2
    assert (
        outcome.figures["krippendorff_alpha"] is not None and "krippendorff_alpha_interval" in outcome.figures
    )
    assert read_answer(Q["stars"], {"stars": 9}) is None and read_answer(Q["stars"], {"stars": True}) is None


def test_safety_flags_and_severity():
    flagged = {"safety": {"flags": ["violence", "hate"], "severity": "high"}}
    outcome = run("safety", {1: [flagged, {"safety": {"flags": ["violence"], "severity": "low"}}, flagged]})
    assert outcome.consensus[1][0] == {"flags": ["violence", "hate"], "severity": "high"}
    safe = run(
        "safety",
        {
            1: [
                {"safety": {"flags": []}},
                {"safety": {"flags": ["violence"], "severity": "low"}},
                {"safety": {}},
            ]
        },
    )
    assert safe.consensus[1][0] == {"flags": [], "severity": None}


def test_free_text_consensus_is_the_medoid_answer():
    outcome = run(
        "note",
        {
            1: [{"note": "The cat sat on the mat"}, {"note": "a cat sat on a mat"}, {"note": "dogs bark"}],
            2: [{"note": "only one"}],
            3: [{"note": "   "}],  # blank: no answer at all
        },
    )
    assert outcome.consensus[1][0] == "The cat sat on the mat" and outcome.method == "medoid"
    assert 0 < outcome.consensus[1][1] < 1 and outcome.consensus[2] == ("only one", 1.0, 1)
    assert 3 not in outcome.consensus and outcome.people == {}
    demo = run(
        "ideal",
        {
            1: [
                {"ideal": "Paris is the capital."},
                {"ideal": {"content": "The capital is Paris.", "edited_from": 0}},
            ]
        },
    )
    assert demo.consensus[1][0] == {"content": "Paris is the capital.", "edited_from": None}
    assert text_similarity(__import__("collections").Counter(), __import__("collections").Counter()) == 1.0


def test_agreement_keys_and_vote_names():
    question = Q["entities"]
    mine = read_answer(question, spans((0, 4, "PER")))
    consensus = [{"start": 0, "end": 4, "label": "PER", "text": "xxxx", "support": 2}]
    assert agrees(question, mine, consensus) is True
    assert agrees(question, read_answer(question, spans()), consensus) is False
    assert agrees(Q["note"], "anything", "else") is None  # free text is never "disagreeing"
    assert vote_key(question, mine) == "PER[0:4]"
    assert vote_key(Q["order"], read_answer(Q["order"], {"order": ["b", "a", "c"]})) == "b > a > c"
    assert stored_form(Q["tiers"], (("a",), ("b", "c"))) == [["a"], ["b", "c"]]
    assert vote_key(Q["note"], "x" * 500).endswith("…")


def test_kendall_tau_matches_scipy_with_ties():
    import random

    from scipy.stats import kendalltau

    rng = random.Random(3)
    for _ in range(200):
        n = rng.randint(2, 7)
        x = {i: float(rng.randint(0, 3)) for i in range(n)}
        y = {i: float(rng.randint(0, 3)) for i in range(n)}
        expected = kendalltau(list(x.values()), list(y.values())).statistic
        if math.isnan(expected):  # scipy: undefined when one side is all tied
            assert kendall_tau(x, y) in (0.0, 1.0)
        else:
            assert kendall_tau(x, y) == pytest.approx(expected)
