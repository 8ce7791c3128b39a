"""Run the character-level language model with ONNX Runtime and sample text from it.

The model (``resources/models/charlm.onnx``, trained by ``scripts/train_charlm.py``) reads up to
``context_length`` characters and scores the next one; ``charlm.json`` beside it holds the alphabet,
the context length and the file's SHA-256. Generation is one model call per character: the last
window of text in, a sampled character out (temperature, nucleus ``top_p``, a seed for repeatable
answers, stop strings, a length limit). No state is kept between calls, so one model serves many
threads at once.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from app import safe_json
from app.llm.corpus import to_ascii
from app.resources import resources_dir


class ModelError(Exception):
    """The model files are missing, unreadable or do not belong together."""


def default_model_path() -> Path:
    return resources_dir() / "models" / "charlm.onnx"


@dataclass(frozen=True)
class Sampling:
    """How to pick characters. ``temperature`` 0 always takes the likeliest one."""

    temperature: float = 0.8
    top_p: float = 1.0
    max_tokens: int = 256
    stop: tuple[str, ...] = ()
    seed: int | None = None


class CharLM:
    def __init__(self, path: Path | None = None, threads: int = 1) -> None:
        import onnxruntime as ort

        self.path = Path(path) if path else default_model_path()
        meta_path = self.path.with_suffix(".json")
        try:
            blob = self.path.read_bytes()
            self.meta: dict[str, Any] = safe_json.loads(meta_path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ModelError(
                f"no model at {exc.filename}; train one with scripts/train_charlm.py "
                "(needs the 'train' extra) or pass --model"
            ) from None
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot read the model: {exc}") from None
        digest = hashlib.sha256(blob).hexdigest()
        if self.meta.get("sha256") not in (None, digest):
            raise ModelError(f"{self.path.name} does not match the SHA-256 in {meta_path.name}")
        self.name: str = self.meta.get("name") or self.path.stem
        self.vocab: str = self.meta["vocab"]
        self.context_length: int = int(self.meta["context_length"])
        self._index = {c: i for i, c in enumerate(self.vocab)}
        self._space = self._index.get(" ", 0)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        try:
            self._session = ort.InferenceSession(blob, options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types for bad graphs
            raise ModelError(f"ONNX Runtime cannot load {self.path.name}: {exc}") from None

    def encode(self, text: str) -> list[int]:
        """Character ids; characters outside the alphabet become spaces."""
        index, space = self._index, self._space
        return [index.get(c, space) for c in to_ascii(text)]

    def decode(self, ids: Sequence[int]) -> str:
        return "".join(self.vocab[i] for i in ids)

    def logits(self, ids: np.ndarray) -> np.ndarray:
        """Next-character scores, float32 [batch, vocab], for int64 windows [batch, length]."""
        window = np.ascontiguousarray(ids[:, -self.context_length :], dtype=np.int64)
        return self._session.run(["logits"], {"ids": window})[0]

    def bits_per_char(self, text: str, stride: int = 1, batch: int = 256) -> float:
        """Cross-entropy in bits per character of ``text``, each character predicted from the
        ``context_length`` characters before it (positions with a full window, every ``stride``-th)."""
        ids = np.array(self.encode(text), dtype=np.int64)
        positions = np.arange(self.context_length, len(ids), stride)
        if not len(positions):
            raise ValueError(f"text needs more than {self.context_length} characters")
        total = 0.0
        offsets = np.arange(-self.context_length, 0)
        for start in range(0, len(positions), batch):
            chunk = positions[start : start + batch]
            logits = self.logits(ids[chunk[:, None] + offsets]).astype(np.float64)
            peak = logits.max(axis=1, keepdims=True)
            log_norm = np.log(np.exp(logits - peak).sum(axis=1)) + peak[:, 0]
            total += float((log_norm - logits[np.arange(len(chunk)), ids[chunk]]).sum())
        return total / len(positions) / math.log(2)

    def generate(self, prompt: str, sampling: Sampling | None = None, trim_start: bool = False) -> Generation:
        """Text that follows ``prompt``. ``trim_start``: whitespace before the first visible
        character is generated (and counted) but not returned, as a chat answer should start."""
        return Generation(self, prompt, sampling or Sampling(), trim_start)


class Generation:
    """Iterate for the answer's text as it comes (a character or a few at a time). Afterwards
    ``finish_reason`` is "stop" (a stop string was met; it is not part of the text) or "length"."""

    def __init__(self, lm: CharLM, prompt: str, sampling: Sampling, trim_start: bool = False) -> None:
        self.lm = lm
        self.trim_start = trim_start
        self.sampling = sampling
        self.ids = lm.encode(prompt) or [lm._index.get("\n", 0)]
        self.prompt_tokens = len(self.ids)
        self.completion_tokens = 0
        self.finish_reason: str | None = None
        self._rng = np.random.default_rng(sampling.seed)

    def _next_id(self) -> int:
        window = np.array([self.ids[-self.lm.context_length :]], dtype=np.int64)
        logits = self.lm.logits(window)[0].astype(np.float64)
        if self.sampling.temperature <= 0:
            return int(logits.argmax())
        logits = logits / self.sampling.temperature
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        if self.sampling.top_p < 1.0:
            order = np.argsort(-probs, kind="stable")
            keep = int(np.searchsorted(np.cumsum(probs[order]), self.sampling.top_p)) + 1
            chosen = order[:keep]
            return int(chosen[self._rng.choice(keep, p=probs[chosen] / probs[chosen].sum())])
        return int(self._rng.choice(len(probs), p=probs))

    def __iter__(self) -> Iterator[str]:
        stops = tuple(s for s in self.sampling.stop if s)
        pending = ""
        while self.completion_tokens < self.sampling.max_tokens:
            token = self._next_id()
            self.ids.append(token)
            self.completion_tokens += 1
            pending += self.lm.vocab[token]
            if self.trim_start:
                pending = pending.lstrip()
                self.trim_start = not pending
            hits = [i for i in (pending.find(s) for s in stops) if i >= 0]
            if hits:
                self.finish_reason = "stop"
                if min(hits):
                    yield pending[: min(hits)]
                return
            keep = _held_back(pending, stops)
            if len(pending) > keep:
                yield pending[: len(pending) - keep]
                pending = pending[len(pending) - keep :]
        self.finish_reason = "length"
        if pending:
            yield pending


def _held_back(text: str, stops: tuple[str, ...]) -> int:
    """How many characters at the end of ``text`` could be the start of a stop string."""
    longest = 0
    for stop in stops:
        for size in range(min(len(stop) - 1, len(text)), longest, -1):
            if text.endswith(stop[:size]):
                longest = size
                break
    return longest
