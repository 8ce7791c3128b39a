"""Search over the catalogue: SQLite FTS5 over names, cards and tags, with filters and sorts.

Words typed are matched as prefixes (``"tex"*`` finds "text"), so results can follow each key
press; ranking is BM25 with a name match worth most, then tags, then the card. Nothing the user
types reaches FTS5's query syntax: each word is quoted. With ``semantic`` (and relevance order),
results rank by meaning too: ``semantic.py`` finds the assets whose MiniLM embeddings are nearest the
query's, so "handwritten numbers" finds a "digits" dataset that shares no word with it. Filters
are columns of ``market_asset`` kept up to date by the indexer (cheapest active offer, any
commercial or derivative offer, license and derivative counts), so a search is one indexed query
however large the catalogue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from app.market.catalog import semantic
from app.market.catalog.sink import padded

Sort = Literal["relevance", "newest", "licensed", "price"]
MAX_WORDS = 16
WEIGHTS = (10.0, 1.0, 5.0)  # name, card, tags
RANK = "bm25(market_asset_fts, {}, {}, {})".format(*WEIGHTS)
KINDS = {"dataset": 0, "model": 1, "agent": 2}
SEMANTIC_WEIGHT = 0.7  # of a semantic result's score; the rest is its FTS rank
CANDIDATES = 200  # nearest vectors and best FTS matches blended, at least
TOP_MATCHES = 400  # the best FTS matches a relevance search filters first, at least


@dataclass(frozen=True)
class Query:
    """What the user asked for; None means "any"."""

    text: str = ""
    kind: int | None = None
    task_type: str | None = None
    commercial: bool | None = None  # an active offer allows commercial use
    derivatives: bool | None = None  # an active offer allows derivatives
    min_price: int | None = None  # wei, on the cheapest active offer
    max_price: int | None = None
    has_derivatives: bool | None = None  # other assets derive from it
    owner: str | None = None  # "owned by me": the account's address
    sort: Sort | None = None  # default: relevance with words, else newest
    limit: int = 50
    offset: int = 0
    # Rank by meaning (MiniLM) blended with the words' FTS rank. The first search of a text embeds
    # it (tens of milliseconds; the first of a process also loads the model): search off the UI thread.
    semantic: bool = False


@dataclass(frozen=True)
class AssetHit:
    """One search result, as much as a result list shows."""

    asset_id: int
    kind: int
    name: str
    owner: str
    task_type: str
    tags: str
    licenses: int
    children: int
    min_price: int | None  # wei; None without an active offer
    commercial: bool
    derivatives: bool
    meta_status: str  # ok, pending, missing, corrupt, malformed, too_large
    meta_problem: str
    block: int


def fts_match(typed: str) -> str:
    """The FTS5 query for what was typed: every word quoted, as a prefix; "" when no word."""
    words = re.findall(r"\w+", typed)[:MAX_WORDS]
    return " ".join(f'"{w}"*' for w in words)


def _where(query: Query, params: dict[str, Any]) -> list[str]:
    clauses = ["a.chain_id = :chain"]
    if query.kind is not None:
        clauses.append("a.kind = :kind")
        params["kind"] = query.kind
    if query.task_type:
        clauses.append("a.task_type = :task_type")
        params["task_type"] = query.task_type
    for column in ("commercial", "derivatives"):
        wanted = getattr(query, column)
        if wanted is not None:
            clauses.append(f"a.{column} = :{column}")
            params[column] = wanted
    if query.min_price is not None:
        clauses.append("a.min_price >= :min_price")
        params["min_price"] = padded(query.min_price)
    if query.max_price is not None:
        clauses.append("a.min_price <= :max_price")
        params["max_price"] = padded(query.max_price)
    if query.has_derivatives is not None:
        clauses.append("a.children > 0" if query.has_derivatives else "a.children = 0")
    if query.owner:
        clauses.append("lower(a.owner) = :owner")
        params["owner"] = query.owner.lower()
    return clauses


PAGE = "LIMIT :limit OFFSET :offset"
ORDER = {
    "newest": "a.block DESC, a.asset_id DESC",
    "licensed": "a.licenses DESC, a.asset_id DESC",
    "price": "a.min_price IS NULL, a.min_price ASC, a.asset_id DESC",
}
COLUMNS = (
    "a.asset_id, a.kind, a.name, a.owner, a.task_type, a.tags, a.licenses, a.children, a.min_price, "
    "a.commercial, a.derivatives, a.meta_status, a.meta_problem, a.block"
)


def _hit(row: Any) -> AssetHit:
    values = list(row)
    values[8] = None if values[8] is None else int(values[8])
    values[9], values[10] = bool(values[9]), bool(values[10])
    return AssetHit(*values)


def _ranked(columns: str, where: str, limit: str) -> str:
    """SQL for the ``:limit`` best FTS matches of ``:match``, ranked inside FTS5 (BM25, then the
    newest row first), then joined and filtered by ``where``, in that order."""
    return (
        f"SELECT {columns} FROM (SELECT rowid AS hit, {RANK} AS score FROM market_asset_fts "
        f"WHERE market_asset_fts MATCH :match ORDER BY score, rowid DESC LIMIT :{limit}) f "
        f"JOIN market_asset a ON a.id = f.hit WHERE {where} ORDER BY f.score, f.hit DESC"
    )


def search(session: Session, chain_id: int, query: Query) -> list[AssetHit]:
    """The assets of ``chain_id`` that match ``query``, best first."""
    params: dict[str, Any] = {
        "chain": chain_id,
        "limit": max(1, min(query.limit, 500)),
        "offset": max(0, query.offset),
    }
    clauses = _where(query, params)
    match = fts_match(query.text)
    sort = query.sort or ("relevance" if match else "newest")
    if query.semantic and sort == "relevance":
        found = _semantic(session, chain_id, query, match)
        if found is not None:
            return found
    where = " AND ".join(clauses)
    if not match:
        order = ORDER["newest" if sort == "relevance" else sort]
        sql = f"SELECT {COLUMNS} FROM market_asset a WHERE {where} ORDER BY {order} {PAGE}"
        return [_hit(row) for row in session.execute(text(sql), params)]
    params["match"] = match
    if sort != "relevance":  # walk the sort's index, keeping the rows whose words match
        sql = (
            f"SELECT {COLUMNS} FROM market_asset a WHERE {where} AND a.id IN "
            f"(SELECT rowid FROM market_asset_fts WHERE market_asset_fts MATCH :match) "
            f"ORDER BY {ORDER[sort]} {PAGE}"
        )
        return [_hit(row) for row in session.execute(text(sql), params)]
    # Relevance: rank the matches inside FTS5 and join only the best (a word in a third of 100,000
    # cards would otherwise join and sort 30,000 rows); if filters leave too few of them, rank all.
    # Both orders are (BM25, newest row first), so the first page of the best is the first page.
    params["best"] = max(TOP_MATCHES, 4 * (params["limit"] + params["offset"]))
    hits = [_hit(row) for row in session.execute(text(f"{_ranked(COLUMNS, where, 'best')} {PAGE}"), params)]
    if len(hits) == params["limit"]:
        return hits
    every = (
        f"SELECT {COLUMNS} FROM market_asset_fts JOIN market_asset a ON a.id = market_asset_fts.rowid "
        f"WHERE market_asset_fts MATCH :match AND {where} ORDER BY {RANK}, a.id DESC {PAGE}"
    )
    return [_hit(row) for row in session.execute(text(every), params)]


def _semantic(session: Session, chain_id: int, query: Query, match: str) -> list[AssetHit] | None:
    """Relevance by meaning: the nearest assets by cosine similarity and the best FTS matches,
    filtered, each scored ``SEMANTIC_WEIGHT`` x cosine + the rest x its FTS rank (1 for the best
    lexical match, falling to 0); None when there is no query vector (no words, no model)."""
    vector = semantic.query_vector(query.text)
    if vector is None:
        return None
    want = max(1, min(query.limit, 500)) + max(0, query.offset)
    pool = max(CANDIDATES, 4 * want)
    cosine = dict(semantic.VECTORS.nearest(session, chain_id, vector, pool))
    params: dict[str, Any] = {"chain": chain_id, "pool": pool}
    clauses = _where(query, params)
    lexical: dict[int, float] = {}
    if match:
        params["match"] = match
        found = session.execute(text(_ranked("f.hit", " AND ".join(clauses), "pool")), params).all()
        lexical = {int(row[0]): 1.0 - i / len(found) for i, row in enumerate(found)}
    score = {row: SEMANTIC_WEIGHT * cos for row, cos in cosine.items()}
    for row, rank_score in lexical.items():
        score[row] = score.get(row, 0.0) + (1 - SEMANTIC_WEIGHT) * rank_score
    hits: dict[int, AssetHit] = {}
    ids, where = sorted(score), " AND ".join(clauses)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join(f":r{i}" for i in range(len(chunk)))
        rows = session.execute(
            text(f"SELECT a.id, {COLUMNS} FROM market_asset a WHERE a.id IN ({marks}) AND {where}"),
            {**params, **{f"r{i}": row for i, row in enumerate(chunk)}},
        )
        hits.update((int(row[0]), _hit(row[1:])) for row in rows)
    ranked = sorted(hits, key=lambda row: (-score[row], -hits[row].asset_id))
    return [hits[row] for row in ranked[max(0, query.offset) : want]]


def like_search(session: Session, chain_id: int, query: Query) -> list[AssetHit]:
    """The same search as a plain ``LIKE`` scan (every word in name, card or tags): the bench's
    baseline, and what FTS must beat."""
    params: dict[str, Any] = {
        "chain": chain_id,
        "limit": max(1, min(query.limit, 500)),
        "offset": max(0, query.offset),
    }
    clauses = _where(query, params)
    for i, word in enumerate(re.findall(r"\w+", query.text)[:MAX_WORDS]):
        params[f"w{i}"] = f"%{word}%"
        clauses.append(f"(a.name LIKE :w{i} OR a.card LIKE :w{i} OR a.tags LIKE :w{i})")
    order = ORDER["newest" if query.sort in (None, "relevance") else query.sort]
    sql = f"SELECT {COLUMNS} FROM market_asset a WHERE {' AND '.join(clauses)} ORDER BY {order} {PAGE}"
    return [_hit(row) for row in session.execute(text(sql), params)]


def search_with(sessions: sessionmaker[Session], chain_id: int, query: Query) -> list[AssetHit]:
    """``search`` in a session of its own (what a page or the CLI calls)."""
    with sessions() as session:
        return search(session, chain_id, query)
