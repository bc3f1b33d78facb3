"""Contamination: exact and near duplicates against a brute-force Jaccard over Python sets."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from assay.errors import InvalidInput
from assay.evaluation import exact_duplicates, find_contamination, near_duplicates, normalize_text
from assay.evaluation._shingles import minhash, shingles

VOCABULARY = [f"w{i}" for i in range(400)]


def random_texts(count: int, length: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(VOCABULARY, length)) for _ in range(count)]


def edited(text: str, changes: int, seed: int) -> str:
    rng = np.random.default_rng(seed)
    words = text.split()
    for position in rng.choice(len(words), changes, replace=False):
        words[position] = f"new{position}"
    return " ".join(words)


def brute_jaccard(left: str, right: str, ngram: int) -> float:
    def grams(text: str) -> set[tuple[str, ...]]:
        words = normalize_text(text).split()
        if 0 < len(words) < ngram:
            return {tuple(words)}
        return {tuple(words[k : k + ngram]) for k in range(len(words) - ngram + 1)}

    a, b = grams(left), grams(right)
    return len(a & b) / len(a | b) if a | b else 0.0


def test_normalize_text() -> None:
    assert normalize_text("  Ｈｅｌｌｏ,\tWORLD!!  snake_case ") == "hello world snake case"
    assert normalize_text("...") == ""


def test_exact_duplicates_ignore_case_punctuation_and_spacing() -> None:
    prompts = ["What is the capital of France?", "Write a haiku.", "", "unseen"]
    texts = ["what is  the capital of france", "WRITE A HAIKU", "write a haiku!", "", "other"]
    table = exact_duplicates(prompts, texts)
    assert sorted(zip(table.prompt, table.text, strict=True)) == [(0, 0), (1, 1), (1, 2)]


def test_near_duplicates_match_brute_force() -> None:
    prompts = random_texts(30, 30, seed=1)
    texts = random_texts(200, 60, seed=2)
    planted = {}
    for k, changes in enumerate([0, 1, 2, 3, 6, 12]):
        planted[k] = edited(prompts[k], changes, seed=k)
        texts[10 * k] = planted[k]
    texts[7] = prompts[20] + " " + " ".join(VOCABULARY[:30])  # the prompt inside a longer text
    brute = {
        (p, t): brute_jaccard(prompts[p], texts[t], 3)
        for p, t in itertools.product(range(len(prompts)), range(len(texts)))
    }
    for threshold, count in ((0.3, 6), (0.5, 4), (0.8, 2)):
        found = near_duplicates(prompts, texts, threshold=threshold, ngram=3)
        expected = {pair for pair, value in brute.items() if value >= threshold}
        assert len(expected) == count
        assert set(zip(found.prompt, found.text, strict=True)) == expected
        for row in found.itertuples():
            assert row.jaccard == pytest.approx(brute[row.prompt, row.text])
    loose = near_duplicates(prompts, texts, threshold=0.3, ngram=3).set_index(["prompt", "text"])
    assert loose.loc[(20, 7), "containment"] == 1.0 and loose.loc[(20, 7), "jaccard"] < 0.6


def test_character_shingles_and_short_texts() -> None:
    prompts = ["Translate 'cat' to French", "hi"]
    texts = ["translate 'cats' to french", "Hi!", "a completely different sentence"]
    found = near_duplicates(prompts, texts, threshold=0.6, unit="char", ngram=4)
    assert set(zip(found.prompt, found.text, strict=True)) == {(0, 0), (1, 1)}
    words = near_duplicates(["two words"], ["two words", "words two"], threshold=0.5, ngram=5)
    assert words.text.tolist() == [0]


def test_find_contamination_merges_exact_and_near() -> None:
    prompts = random_texts(5, 40, seed=3)
    texts = [prompts[0].upper(), edited(prompts[1], 1, seed=0), *random_texts(20, 40, seed=4)]
    table = find_contamination(prompts, texts, threshold=0.7, ngram=3)
    assert table[["prompt", "text", "match"]].values.tolist() == [[0, 0, "exact"], [1, 1, "near"]]
    assert table.jaccard.iloc[0] == 1.0 and 0.7 <= table.jaccard.iloc[1] < 1.0
    assert find_contamination(["nothing"], ["else"]).empty


def test_minhash_estimates_jaccard() -> None:
    texts = random_texts(2, 300, seed=5)
    texts.append(edited(texts[0], 30, seed=6))
    hashes, offsets = shingles(texts, ngram=2)
    signatures = minhash(hashes, offsets, num_perm=256, seed=0)
    estimate = np.mean(signatures[0] == signatures[2])
    assert estimate == pytest.approx(brute_jaccard(texts[0], texts[2], 2), abs=0.08)
    assert np.mean(signatures[0] == signatures[1]) < 0.05
    assert (minhash(hashes, offsets, num_perm=256, seed=0) == signatures).all()


def test_bad_input() -> None:
    with pytest.raises(InvalidInput, match="sequence of texts"):
        exact_duplicates("one prompt", ["text"])
    with pytest.raises(InvalidInput, match=r"texts\[1\]"):
        near_duplicates(["p"], ["ok", 3])  # type: ignore[list-item]
    for options in ({"threshold": 0.0}, {"unit": "byte"}, {"ngram": 0}, {"bands": 3}):
        with pytest.raises(InvalidInput):
            near_duplicates(["p"], ["t"], **options)  # type: ignore[arg-type]
    assert near_duplicates([], []).empty and exact_duplicates([], ["x"]).empty
