"""Text fingerprints in plain numpy: normalised-text hashes, n-gram shingles, MinHash signatures, LSH bands.

A corpus of shingles is kept in CSR form: ``hashes[offsets[d]:offsets[d + 1]]`` are text ``d``'s shingle
hashes. Integer arithmetic wraps modulo 2^64 (or 2^32) on purpose; numpy array operations do not warn.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["band_keys", "minhash", "normalize_text", "shingles", "text_hashes"]

_NON_WORD = re.compile(r"[\W_]+")
_PRIME = np.uint64(0x100000001B3)  # FNV-64 prime: the base of the rolling n-gram hash
_EMPTY = np.iinfo(np.uint32).max


def normalize_text(text: str) -> str:
    """NFKC, case-folded, punctuation and underscores turned into spaces, whitespace collapsed.

    Example:
        >>> normalize_text("  Hello,   WORLD!\\n")
        'hello world'
    """
    return _NON_WORD.sub(" ", unicodedata.normalize("NFKC", str(text)).casefold()).strip()


def _hash_strings(values: Sequence[str]) -> np.ndarray:
    """Stable 64-bit hashes (BLAKE2b), independent of ``PYTHONHASHSEED``."""
    digests = b"".join(hashlib.blake2b(v.encode("utf-8"), digest_size=8).digest() for v in values)
    return np.frombuffer(digests, dtype="<u8").astype(np.uint64)


def text_hashes(texts: Sequence[str]) -> np.ndarray:
    """64-bit hash of each normalised text."""
    return _hash_strings([normalize_text(t) for t in texts])


def mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser: spreads every input bit over the whole output word."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _units(texts: Sequence[str], unit: str) -> tuple[np.ndarray, np.ndarray]:
    """Hash of every word (or character) of the normalised texts, concatenated, and each text's length."""
    normalized = [normalize_text(t) for t in texts]
    if unit == "char":
        lengths = np.fromiter(map(len, normalized), dtype=np.int64, count=len(normalized))
        points = np.frombuffer("".join(normalized).encode("utf-32-le"), dtype="<u4").astype(np.uint64)
        return mix(points + np.uint64(0x9E3779B97F4A7C15)), lengths
    words = [text.split() for text in normalized]
    lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    codes, vocabulary = pd.factorize(pd.Series([w for ws in words for w in ws], dtype=object))
    return _hash_strings(list(vocabulary))[codes] if len(codes) else np.zeros(0, np.uint64), lengths


def shingles(texts: Sequence[str], *, ngram: int = 5, unit: str = "word") -> tuple[np.ndarray, np.ndarray]:
    """n-gram hashes per text in CSR form ``(hashes, offsets)``, in text order, repeats kept (``np.unique``
    of a slice gives the set). A text shorter than ``ngram`` units is one shingle (itself); an empty text
    has none. Nothing is sorted: the cost is a few passes over the units."""
    units, lengths = _units(texts, unit)
    starts = np.concatenate([[0], np.cumsum(lengths)])
    counts = np.where(lengths >= ngram, lengths - ngram + 1, (lengths > 0).astype(np.int64))
    offsets = np.concatenate([[0], np.cumsum(counts)])
    hashes = np.empty(offsets[-1], dtype=np.uint64)
    # Polynomial rolling hash of every window of ``ngram`` units; windows crossing a text border are dropped.
    width = max(len(units) - ngram + 1, 0)
    rolling = np.zeros(width, dtype=np.uint64)
    for k in range(ngram):
        rolling = rolling * _PRIME + units[k : k + width]
    window_text = np.repeat(np.arange(len(lengths)), lengths)[:width]
    inside = np.flatnonzero(np.arange(width) + ngram <= starts[1:][window_text])
    text = window_text[inside]
    hashes[offsets[text] + inside - starts[text]] = rolling[inside]
    short = np.flatnonzero((lengths > 0) & (lengths < ngram))
    if len(short):  # the whole text as one shingle, hashed the same way over its m < ngram units
        whole = np.zeros(len(short), dtype=np.uint64)
        for k in range(ngram - 1):
            more = k < lengths[short]
            index = np.minimum(starts[short] + k, len(units) - 1)
            whole = np.where(more, whole * _PRIME + units[index], whole)
        hashes[offsets[short]] = whole
    return mix(hashes), offsets


def minhash(hashes: np.ndarray, offsets: np.ndarray, *, num_perm: int = 128, seed: int = 0) -> np.ndarray:
    """``(texts, num_perm)`` uint32 MinHash signatures. Permutation ``p`` maps the top 32 bits ``x`` of each
    (already mixed) shingle hash to ``a_p·x + b_p mod 2^32`` (``a_p`` odd: a bijection); the signature is the
    minimum over each text's shingles. Empty texts get all-ones words."""
    rng = np.random.default_rng(seed)
    a = (rng.integers(0, 2**31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)).astype(np.uint32)
    b = rng.integers(0, 2**32, num_perm, dtype=np.uint32)
    top = (hashes >> np.uint64(32)).astype(np.uint32)
    n_texts = len(offsets) - 1
    signatures = np.full((n_texts, num_perm), _EMPTY, dtype=np.uint32)
    filled = np.flatnonzero(np.diff(offsets) > 0)
    if len(filled) == 0:
        return signatures
    # Texts in chunks of about a million shingles keep the temporaries small and in cache.
    chunk_end = np.searchsorted(offsets[filled + 1], offsets[filled] + (1 << 20), side="right")
    first = 0
    while first < len(filled):
        last = max(int(chunk_end[first]), first + 1)
        texts = filled[first:last]
        lo, hi = offsets[texts[0]], offsets[texts[-1] + 1]
        block, cuts = top[lo:hi], offsets[texts] - lo
        for p in range(num_perm):
            signatures[texts, p] = np.minimum.reduceat(block * a[p] + b[p], cuts)
        first = last
    return signatures


def band_keys(signatures: np.ndarray, bands: int) -> np.ndarray:
    """``(texts, bands)`` hash of each band of ``num_perm / bands`` signature rows (LSH banding)."""
    n_texts, num_perm = signatures.shape
    rows = num_perm // bands
    weights = mix(np.arange(1, rows + 1, dtype=np.uint64))
    grouped = signatures[:, : bands * rows].reshape(n_texts, bands, rows).astype(np.uint64)
    return mix((grouped * weights).sum(axis=2, dtype=np.uint64) + np.arange(bands, dtype=np.uint64))
