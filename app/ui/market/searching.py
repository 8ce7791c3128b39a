"""One Marketplace search as the page runs it in a worker thread, and what it found.

A search by meaning embeds the typed text first (about 100 ms; the first of a process also loads
the MiniLM model, up to a second), so it never runs on the UI thread. The catalogue falls back to
word matches when it has no query vector; ``find`` asks it for one first (``semantic.query_vector``,
cached, so the search reuses it) so the view can say that meaning was asked for and not used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.market.catalog import semantic
from app.market.catalog.search import AssetHit, Query, search_with


@dataclass(frozen=True)
class Found:
    """The hits of ``query``; ``meaning_missing`` when it asked for meaning and the model is not there."""

    query: Query
    hits: list[AssetHit]
    meaning_missing: bool = False


def find(sessions: Any, chain_id: int, query: Query) -> Found:
    """``search_with`` for ``query`` (in a worker thread), saying whether meaning could be used."""
    typed = query.text[: semantic.MAX_QUERY_CHARS].split()
    missing = query.semantic and bool(typed) and semantic.query_vector(query.text) is None
    return Found(query, search_with(sessions, chain_id, query), meaning_missing=missing)
