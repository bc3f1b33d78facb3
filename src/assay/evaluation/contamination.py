"""Benchmark contamination: private evaluation prompts that appear, exactly or nearly, in training texts.

Exact: equal 64-bit hashes of the normalised texts (``normalize_text``: NFKC, case-folded, punctuation
dropped, whitespace collapsed). Near: Jaccard similarity ``|A ∩ B| / |A ∪ B|`` of the texts' word (or
character) n-gram shingle sets at or above ``threshold``. Candidates come from MinHash LSH (Broder, 1997;
Leskovec, Rajaraman & Ullman, "Mining of Massive Datasets", ch. 3) and every candidate is verified with the
exact Jaccard, so there are no false positives; the banding is chosen so that a pair exactly at the
threshold is missed with probability < 0.1 %. ``containment = |A ∩ B| / |A|`` (how much of the prompt the
text holds) is reported alongside.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from assay.errors import InvalidInput
from assay.evaluation._shingles import band_keys, minhash, normalize_text, shingles, text_hashes

__all__ = ["exact_duplicates", "find_contamination", "near_duplicates", "normalize_text"]

MISS_RATE = 1e-3  # target chance that LSH misses a pair whose Jaccard equals the threshold


def _texts(values: Sequence[str], name: str) -> list[str]:
    if isinstance(values, str):
        raise InvalidInput(f"{name} must be a sequence of texts, not one string")
    texts = list(values)
    bad = [i for i, t in enumerate(texts) if not isinstance(t, str)]
    if bad:
        raise InvalidInput(
            f"{name}[{bad[0]}] is not a string",
            details=[{"loc": [i, name], "msg": "not a string"} for i in bad[:50]],
        )
    return texts


def _pairs_with_equal(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All ``(i, j)`` with ``left[i] == right[j]``, through one sort of ``right``."""
    order = np.argsort(right, kind="stable")
    lo = np.searchsorted(right[order], left, side="left")
    hi = np.searchsorted(right[order], left, side="right")
    count = hi - lo
    i = np.repeat(np.arange(len(left)), count)
    start = np.repeat(lo - np.cumsum(count) + count, count)
    return i, order[start + np.arange(len(i))]


def exact_duplicates(prompts: Sequence[str], texts: Sequence[str]) -> pd.DataFrame:
    """``prompt, text`` index pairs whose normalised texts are equal (empty texts never match).

    Example:
        >>> exact_duplicates(["What is 2+2?"], ["intro", "what is 2 2"]).to_dict("list")
        {'prompt': [0], 'text': [1]}
    """
    prompts, texts = _texts(prompts, "prompts"), _texts(texts, "texts")
    empty = text_hashes([""])[0]
    left, right = text_hashes(prompts), text_hashes(texts)
    i, j = _pairs_with_equal(left, right)
    keep = left[i] != empty
    return pd.DataFrame({"prompt": i[keep], "text": j[keep]})


def _rows_per_band(num_perm: int, threshold: float) -> int:
    """Most rows per band (fewest candidates) that still catch a pair at ``threshold`` often enough."""
    for rows in range(num_perm, 0, -1):
        bands = num_perm // rows
        if num_perm % rows == 0 and (1.0 - threshold**rows) ** bands <= MISS_RATE:
            return rows
    return 1


def near_duplicates(
    prompts: Sequence[str],
    texts: Sequence[str],
    *,
    threshold: float = 0.8,
    ngram: int = 5,
    unit: str = "word",
    num_perm: int = 128,
    bands: int | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """``prompt, text, jaccard, containment`` for pairs whose shingle-set Jaccard is ``>= threshold``.

    ``unit`` is ``"word"`` or ``"char"``; ``bands`` overrides the automatic LSH banding (``num_perm`` must
    be divisible by it). Texts shorter than ``ngram`` units form one shingle; empty texts never match.

    Example:
        >>> texts = ["The quick brown fox jumps over the lazy dog!", "unrelated"]
        >>> near_duplicates(["the quick brown fox jumps over the lazy dog"], texts, ngram=2).prompt.tolist()
        [0]
    """
    prompts, texts = _texts(prompts, "prompts"), _texts(texts, "texts")
    if not 0.0 < threshold <= 1.0 or ngram < 1 or unit not in ("word", "char") or num_perm < 1:
        raise InvalidInput("need 0 < threshold <= 1, ngram >= 1, unit 'word' or 'char', num_perm >= 1")
    if bands is not None and (bands < 1 or num_perm % bands):
        raise InvalidInput("bands must divide num_perm", details=[{"loc": ["bands"], "msg": "invalid"}])
    rows = num_perm // bands if bands is not None else _rows_per_band(num_perm, threshold)
    prompt_shingles = shingles(prompts, ngram=ngram, unit=unit)
    text_shingles = shingles(texts, ngram=ngram, unit=unit)
    i, j = _candidates(prompt_shingles, text_shingles, num_perm=num_perm, bands=num_perm // rows, seed=seed)
    jaccard, containment = _similarity(i, j, prompt_shingles, text_shingles)
    keep = jaccard >= threshold
    columns = {"prompt": i, "text": j, "jaccard": jaccard, "containment": containment}
    return pd.DataFrame({name: values[keep] for name, values in columns.items()})


Shingles = tuple[np.ndarray, np.ndarray]


def _candidates(
    prompts: Shingles, texts: Shingles, *, num_perm: int, bands: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """``(prompt, text)`` pairs that agree on at least one LSH band of their MinHash signatures."""
    prompt_keys = band_keys(minhash(*prompts, num_perm=num_perm, seed=seed), bands)
    text_keys = band_keys(minhash(*texts, num_perm=num_perm, seed=seed), bands)
    real_prompts = np.flatnonzero(np.diff(prompts[1]) > 0)  # empty texts share a signature but no shingle
    real_texts = np.flatnonzero(np.diff(texts[1]) > 0)
    n_texts = max(len(texts[1]) - 1, 1)
    found = [np.zeros(0, dtype=np.int64)]
    for band in range(bands):
        i, j = _pairs_with_equal(prompt_keys[real_prompts, band], text_keys[real_texts, band])
        found.append(real_prompts[i] * n_texts + real_texts[j])
    flat = np.unique(np.concatenate(found))
    return flat // n_texts, flat % n_texts


def _similarity(
    i: np.ndarray, j: np.ndarray, prompts: Shingles, texts: Shingles
) -> tuple[np.ndarray, np.ndarray]:
    """Exact Jaccard and containment (of the prompt in the text) of each candidate pair's shingle sets."""
    sets: dict[tuple[int, int], np.ndarray] = {}  # each text's shingle set, built once for all its candidates

    def shingle_set(side: int, index: int) -> np.ndarray:
        if (side, index) not in sets:
            hashes, offsets = (prompts, texts)[side]
            sets[side, index] = np.unique(hashes[offsets[index] : offsets[index + 1]])
        return sets[side, index]

    shared, size_prompt, size_text = np.zeros((3, len(i)))
    for k, (p, t) in enumerate(zip(i.tolist(), j.tolist(), strict=True)):
        left, right = shingle_set(0, p), shingle_set(1, t)
        shared[k] = len(np.intersect1d(left, right, assume_unique=True))
        size_prompt[k], size_text[k] = len(left), len(right)
    union = size_prompt + size_text - shared
    jaccard = np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)
    containment = np.divide(shared, size_prompt, out=np.zeros_like(shared), where=size_prompt > 0)
    return jaccard, containment


def find_contamination(
    prompts: Sequence[str], texts: Sequence[str], *, threshold: float = 0.8, **options: object
) -> pd.DataFrame:
    """Every flagged ``(prompt, text)`` pair with ``match`` ("exact" or "near") and its ``jaccard``
    (1.0 for exact matches), sorted by prompt then text. ``options`` go to ``near_duplicates``.

    Example:
        >>> find_contamination(["Name the capital of France."], ["name the capital of france"]).match.tolist()
        ['exact']
    """
    exact = exact_duplicates(prompts, texts).assign(match="exact", jaccard=1.0, containment=1.0)
    near = near_duplicates(prompts, texts, threshold=threshold, **options).assign(match="near")  # type: ignore[arg-type]
    seen = exact.prompt.to_numpy() * max(len(texts), 1) + exact.text.to_numpy()
    near = near[~np.isin(near.prompt.to_numpy() * max(len(texts), 1) + near.text.to_numpy(), seen)]
    table = pd.concat([f for f in (exact, near) if len(f)] or [exact], ignore_index=True)
    columns = ["prompt", "text", "match", "jaccard", "containment"]
    return table[columns].sort_values(["prompt", "text"], kind="stable").reset_index(drop=True)
