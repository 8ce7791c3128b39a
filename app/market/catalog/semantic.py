"""Semantic search: each asset's MiniLM embedding, and the assets nearest a query by meaning.

The metadata fetcher embeds what an asset's card says (name, tags, the start of the card) when it
reads it, in a worker thread, and stores the vector in ``market_embedding``. A search embeds the
query (cached: results follow each key press, so the same prefixes come back) and ranks by cosine
similarity against an in-memory copy of the chain's vectors, read once and then topped up from the
rows whose ``seq`` is newer (a full re-read only when rows went away: a rollback, a new chain). At
100,000 assets that copy is 150 MB of float32 and one matrix-vector product per search.

Without the model package (or with its files unreadable), nothing is embedded and searches stay
lexical (``embed`` says None).
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from app.embeddings.minilm import EmbeddingModelMissing, shared_model

log = logging.getLogger(__name__)

MODEL = "all-MiniLM-L6-v2"
DIMENSIONS = 384
MAX_QUERY_CHARS = 1_000  # a pasted essay is cut here: the model reads 256 tokens anyway
MAX_CARD_CHARS = 2_000  # the start of a card says what it is about


def asset_text(name: str, tags: Sequence[str], card: str) -> str:
    """What is embedded for an asset: its name, tags, and the start of its card."""
    return "\n".join(part for part in (name, " ".join(tags), card[:MAX_CARD_CHARS]) if part)


def embed(texts: list[str]) -> np.ndarray | None:
    """Unit-length vectors, one row per text; None when the model package is missing or its files
    cannot be read (metadata is still stored and searched by words: a model never stops it)."""
    try:
        return shared_model().embed(texts)
    except (EmbeddingModelMissing, OSError, ValueError, KeyError) as exc:
        log.warning("semantic search is off: %s", exc)
        return None


@functools.lru_cache(maxsize=256)
def query_vector(typed: str) -> np.ndarray | None:
    """The embedding of a typed query (cut to ``MAX_QUERY_CHARS``); None for no words or no model."""
    typed = " ".join(typed[:MAX_QUERY_CHARS].split())
    if not typed:
        return None
    found = embed([typed])
    return None if found is None else found[0]


def warm() -> bool:
    """Load the model and run it once (in a worker thread, when the Marketplace opens), so the first
    search by meaning does not wait a second or more for it; whether the model is there."""
    return query_vector("warm") is not None


def to_blob(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


@dataclass
class _Vectors:
    """One chain's vectors as read so far: asset row ids and a matrix, grown in place."""

    last_seq: int = 0
    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, DIMENSIONS), np.float32))
    where: dict[int, int] = field(default_factory=dict)  # asset row: index in rows/matrix


class VectorIndex:
    """The in-memory copy of each (database, chain)'s vectors; ``nearest`` ranks them by a query."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._chains: dict[tuple[str, int], _Vectors] = {}

    def _current(self, session: Session, chain_id: int) -> _Vectors:
        key = (str(session.get_bind().url), chain_id)
        cur = session.connection().connection.cursor()
        count, top = cur.execute(
            "SELECT count(*), coalesce(max(seq), 0) FROM market_embedding WHERE chain_id = ?", (chain_id,)
        ).fetchone()
        with self._lock:
            known = self._chains.get(key)
            if known is None or top < known.last_seq:
                known = _Vectors()
            if top > known.last_seq:
                self._top_up(cur, chain_id, known)
            if len(known.where) != count:  # rows went away since: read them all again
                known = _Vectors()
                self._top_up(cur, chain_id, known)
            self._chains[key] = known
            return known

    @staticmethod
    def _top_up(cur: Any, chain_id: int, known: _Vectors) -> None:
        found = cur.execute(
            "SELECT seq, asset_row, vector FROM market_embedding WHERE chain_id = ? AND seq > ? ORDER BY seq",
            (chain_id, known.last_seq),
        ).fetchall()
        fresh_rows, fresh_vectors = [], []
        for seq, row, blob in found:
            known.last_seq = max(known.last_seq, seq)
            if len(blob) != DIMENSIONS * 4:
                continue  # not a vector this model wrote
            vector = np.frombuffer(blob, dtype="<f4")
            if row in known.where:
                known.matrix[known.where[row]] = vector  # metadata updated: a new vector
                continue
            known.where[row] = len(known.where)
            fresh_rows.append(row)
            fresh_vectors.append(vector)
        if fresh_rows:
            known.rows = np.concatenate([known.rows, np.asarray(fresh_rows, np.int64)])
            known.matrix = np.concatenate([known.matrix, np.stack(fresh_vectors).astype(np.float32)])

    def nearest(self, session: Session, chain_id: int, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Up to ``k`` (asset row, cosine similarity), most similar first."""
        known = self._current(session, chain_id)
        if not len(known.rows):
            return []
        scores = known.matrix @ vector.astype(np.float32)
        k = min(k, len(scores))
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best])]
        return [(int(known.rows[i]), float(scores[i])) for i in best]


VECTORS = VectorIndex()
