"""Search over the catalogue: SQLite FTS5 over names, cards and tags, with filters and sorts.

Words typed are matched as prefixes (``"tex"*`` finds "text"), so results can follow each key
press. Nothing the user types reaches FTS5's query syntax: each word is quoted. Relevance order:

- BM25 ranks by the rare words, each in at most ``WINDOW`` assets (a name match worth most, then
  tags, then the card); a more common word only filters. BM25 gives a word in most of the
  catalogue a weight near zero, yet scoring it means reading all of its matches (150 ms and more
  at 100,000 assets). Only the matches of every word that pass the filters are scored (the
  order is the full ranking's, filtered), and without filters only the best rows are read;
- a query of common words only (a frequent word, or the first letters of one while the user
  types) is ranked by where its words are: every word in the name first, then every word in the
  name or tags, then the rest, the newest first within each. These passes stream the newest rows
  of FTS5's own index and stop at the page (a millisecond or two).

With ``semantic`` (and relevance order), results rank by meaning too: ``semantic.py`` finds the
assets whose MiniLM embeddings are nearest the query's, so "handwritten numbers" finds a "digits"
dataset that shares no word with it. Filters are columns of ``market_asset`` kept up to date by the
indexer (cheapest active offer, any commercial or derivative offer, license and derivative counts),
so a search is one indexed query however large the catalogue.
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
WINDOW = 2_000  # matches BM25 ranks; a query matching more is ranked by where its words are
# Where the words are, best first: all in the name, all in the name or tags (both asked of the
# index of names and tags alone, a tenth the size: migration 0014), anywhere.
TIERS = (
    ("market_asset_names", "{{name}} : ({})"),
    ("market_asset_names", "{}"),
    ("market_asset_fts", "{}"),
)


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


def fts_words(typed: str) -> list[str]:
    """The FTS5 expression of each word typed: quoted, as a prefix."""
    return [f'"{w}"*' for w in re.findall(r"\w+", typed)[:MAX_WORDS]]


def fts_match(typed: str) -> str:
    """The FTS5 query for what was typed: every word, as a prefix; "" when no word."""
    return " ".join(fts_words(typed))


UNFILTERED = "a.chain_id = :chain"  # what every search asks


def _where(query: Query, params: dict[str, Any]) -> list[str]:
    clauses = [UNFILTERED]
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


def _cursor(session: Session) -> Any:
    """The session's DB-API cursor: ids by the thousand cost more in SQLAlchemy's rows than in SQLite."""
    return session.connection().connection.cursor()


def _at_most(cur: Any, match: str, count: int) -> bool:
    """Whether ``match`` finds at most ``count`` assets: FTS5 streams its newest matches and stops
    one past ``count``, so a common word costs no more to ask about than a rare one."""
    sql = (
        "SELECT count(*) FROM (SELECT rowid FROM market_asset_fts WHERE market_asset_fts MATCH ? "
        "ORDER BY rowid DESC LIMIT ?)"
    )
    return int(cur.execute(sql, (match, count + 1)).fetchone()[0]) <= count


# BM25 over the rare words. The unary + keeps the "matches every word" test away from FTS5, which
# would otherwise run the rare words' query (and BM25's IDF) once per row id; SQLite computes the
# ORDER BY's bm25() only for the rows that pass the WHERE, so that test (and, below, the filters)
# cuts the ranking work, and the order is the full ranking's, restricted: BM25's IDF and average
# length come from the whole index, not from the rows returned.
EVERY = (
    "AND +market_asset_fts.rowid IN (SELECT rowid FROM market_asset_fts WHERE market_asset_fts MATCH :every)"
)
# With filters: each match's row is read (CROSS JOIN keeps FTS5 the outer loop; the planner may
# otherwise walk a filter's index over every asset) and only the rows that pass are ranked.
FILTERED = (
    "SELECT {columns} FROM market_asset_fts CROSS JOIN market_asset a ON a.id = market_asset_fts.rowid "
    "WHERE market_asset_fts MATCH :rare {every} AND {where} "
    f"ORDER BY {RANK}, market_asset_fts.rowid DESC LIMIT :want"
)
# Without: ranked inside FTS5, and only the best rows read (a row read costs more than its rank).
BEST = (
    "SELECT {columns} FROM (SELECT rowid AS id, "
    f"{RANK} AS score FROM market_asset_fts WHERE market_asset_fts MATCH :rare {{every}} "
    "ORDER BY score, id DESC LIMIT :best) AS r CROSS JOIN market_asset a ON a.id = r.id "
    "WHERE {where} ORDER BY r.score, r.id DESC LIMIT :want"
)


def _ranked(
    session: Session,
    columns: str,
    where: str,
    params: dict[str, Any],
    words: list[str],
    rare: list[str],
    want: int,
) -> list[Any]:
    """The ``want`` best rows matching every one of ``words`` that pass ``where``, by BM25 over
    ``rare`` (some of ``words``)."""
    every = EVERY if len(rare) < len(words) else ""
    ranked = {**params, "rare": " ".join(rare), "every": " ".join(words), "want": want}
    if where == UNFILTERED:  # the best matches are almost always this chain's: the rest only if not
        sql = BEST.format(columns=columns, every=every, where=where)
        found = list(session.execute(text(sql), {**ranked, "best": max(2 * want, 100)}))
        if len(found) == want:
            return found
    return list(session.execute(text(FILTERED.format(columns=columns, every=every, where=where)), ranked))


def _relevant(
    session: Session, columns: str, where: str, params: dict[str, Any], words: list[str], want: int
) -> list[Any]:
    """The ``want`` best rows (``columns``, ``a.id`` first) matching every one of ``words`` (FTS5
    expressions) that pass ``where``, best first (see the module's docstring)."""
    cur = _cursor(session)
    rare = [w for w in words if _at_most(cur, w, WINDOW)]
    if rare:
        return _ranked(session, columns, where, params, words, rare, want)
    joined = (
        "SELECT {columns} FROM {fts} JOIN market_asset a ON a.id = {fts}.rowid "
        "WHERE {fts} MATCH :tier AND {where} ORDER BY {fts}.rowid DESC LIMIT :want"
    )
    match = " ".join(words)
    found: dict[Any, Any] = {}  # a.id: row, in rank order
    for fts, tier in TIERS:
        # The rows found so far are in this tier too: ``want`` of them hold the ones still missing.
        sql = text(joined.format(columns=columns, fts=fts, where=where))
        for row in session.execute(sql, {**params, "tier": tier.format(match), "want": want}):
            found.setdefault(row[0], row)
        if len(found) >= want:
            break
    return list(found.values())[:want]


def _sorted_sql(session: Session, match: str, where: str, sort: str) -> str:
    """A sorted page of the rows matching ``match``: when the words are common, walk the sort's
    index keeping the rows that match (a page comes soon); when they are rare (at most ``WINDOW``
    assets, as two words together mostly are), sort their rows instead: walking the index for them
    read most of the catalogue (25 ms at 100,000 assets). Both orders end on the asset id: the
    same page either way."""
    if _at_most(_cursor(session), match, WINDOW):
        return (
            f"SELECT {COLUMNS} FROM market_asset_fts CROSS JOIN market_asset a "
            f"ON a.id = market_asset_fts.rowid WHERE market_asset_fts MATCH :match AND {where} "
            f"ORDER BY {ORDER[sort]} {PAGE}"
        )
    return (
        f"SELECT {COLUMNS} FROM market_asset a WHERE {where} AND a.id IN "
        f"(SELECT rowid FROM market_asset_fts WHERE market_asset_fts MATCH :match) "
        f"ORDER BY {ORDER[sort]} {PAGE}"
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
    if sort != "relevance":
        return [_hit(row) for row in session.execute(text(_sorted_sql(session, match, where, sort)), params)]
    want = params["limit"] + params["offset"]
    rows = _relevant(session, f"a.id, {COLUMNS}", where, params, fts_words(query.text), want)
    return [_hit(row[1:]) for row in rows[params["offset"] :]]


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
    params: dict[str, Any] = {"chain": chain_id}
    clauses = _where(query, params)
    lexical: dict[int, float] = {}
    if match:
        found = _relevant(session, "a.id", " AND ".join(clauses), params, fts_words(query.text), pool)
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
