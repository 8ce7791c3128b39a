"""Each indexed asset's metadata, fetched from the blob store, checked and folded into its row.

The store verifies that the bytes hash to the CID (a gateway that lies raises ``BlobCorrupt``);
here the blob is size-limited while it is read, parsed with ``safe_json`` (nesting-limited), and its
fields checked for type and length before search sees them. What could not be read is marked on the
row with why, never fatal: ``missing`` and ``corrupt`` are tried again later (another gateway, a
pin that arrives), with a growing delay; ``malformed`` and ``too_large`` are final, since the same
CID always names the same bytes. What was read is embedded (MiniLM, in a worker thread, one batch)
for semantic search, and written with its row in one transaction.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session, sessionmaker

from app import safe_json
from app.db.models import MarketAsset
from app.market.catalog import semantic
from app.storage import BlobStore
from app.storage.errors import BlobCorrupt, BlobNotFound, StorageError

log = logging.getLogger(__name__)

MAX_METADATA = 256 * 1024
MAX_NAME, MAX_CARD, MAX_TAGS, MAX_TAG = 200, 64 * 1024, 32, 64
RETRY_S, MAX_RETRY_S = 30.0, 3600.0
BATCH = 64
RETRIED = ("pending", "missing", "corrupt")


class MetadataProblem(ValueError):
    """Why a metadata blob was refused; ``status`` is what the row is marked."""

    def __init__(self, status: str, why: str) -> None:
        super().__init__(why)
        self.status = status


@dataclass(frozen=True)
class AssetText:
    """What search indexes from an asset's metadata."""

    name: str
    card: str
    tags: tuple[str, ...]
    task_type: str


def read_limited(store: BlobStore, cid: str, limit: int = MAX_METADATA) -> bytes:
    """The blob ``cid`` (hash-checked by the store), refused as soon as it passes ``limit`` bytes."""
    pieces: list[bytes] = []
    size = 0
    for piece in store.get(cid):
        size += len(piece)
        if size > limit:
            raise MetadataProblem("too_large", f"metadata is over {limit // 1024} KiB")
        pieces.append(piece)
    return b"".join(pieces)


def _text(meta: dict[str, Any], key: str, limit: int) -> str:
    value = meta.get(key, "")
    if not isinstance(value, str):
        raise MetadataProblem("malformed", f"metadata field {key!r} is not text")
    if len(value) > limit:
        raise MetadataProblem("malformed", f"metadata field {key!r} is over {limit} characters")
    return value


def parse_metadata(data: bytes) -> AssetText:
    """Checked search text from a metadata blob; ``MetadataProblem('malformed', why)`` otherwise."""
    try:
        meta = safe_json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MetadataProblem("malformed", f"metadata is not JSON ({exc})") from exc
    if not isinstance(meta, dict):
        raise MetadataProblem("malformed", "metadata is not a JSON object")
    name = _text(meta, "name", MAX_NAME) or _text(meta, "title", MAX_NAME)
    card = _text(meta, "card", MAX_CARD) or _text(meta, "description", MAX_CARD)
    tags = meta.get("tags", [])
    if not isinstance(tags, list) or len(tags) > MAX_TAGS:
        raise MetadataProblem("malformed", f"metadata tags must be a list of at most {MAX_TAGS}")
    if any(not isinstance(t, str) or not 0 < len(t) <= MAX_TAG for t in tags):
        raise MetadataProblem("malformed", f"each tag must be text of 1 to {MAX_TAG} characters")
    return AssetText(name.strip(), card, tuple(t.strip() for t in tags), _text(meta, "task_type", 64))


def fetch_one(store: BlobStore, cid: str) -> AssetText:
    """Read and parse one metadata blob; ``MetadataProblem`` says what went wrong."""
    try:
        return parse_metadata(read_limited(store, cid))
    except BlobNotFound as exc:
        raise MetadataProblem("missing", f"metadata {cid} is not in storage") from exc
    except BlobCorrupt as exc:
        raise MetadataProblem("corrupt", f"metadata {cid} does not match its CID") from exc
    except StorageError as exc:  # an unreachable IPFS node, a refused response: try again later
        raise MetadataProblem("missing", f"metadata {cid} could not be read: {exc}") from exc


async def fetch_pending(
    sessions: sessionmaker[Session],
    store: BlobStore,
    chain_id: int,
    *,
    now: float | None = None,
    limit: int = BATCH,
) -> int:
    """Fetch the metadata of up to ``limit`` assets that need it; how many rows changed."""
    now = time.time() if now is None else now
    with sessions() as session:
        due = session.execute(
            select(MarketAsset.id, MarketAsset.metadata_cid, MarketAsset.meta_tries)
            .where(
                MarketAsset.chain_id == chain_id,
                MarketAsset.meta_status.in_(RETRIED),
                MarketAsset.meta_retry_at <= now,
            )
            .order_by(MarketAsset.meta_tries, MarketAsset.id)
            .limit(limit)
        ).all()
    results: list[tuple[int, str, int, dict[str, Any], AssetText | None]] = []
    for row_id, cid, tries in due:
        values: dict[str, Any]
        found: AssetText | None = None
        try:
            found = await asyncio.to_thread(fetch_one, store, cid)
            values = {
                "name": found.name, "card": found.card, "tags": " ".join(found.tags),
                "task_type": found.task_type, "meta_status": "ok", "meta_problem": "",
            }  # fmt: skip
        except MetadataProblem as problem:
            log.warning("asset row %d: %s", row_id, problem)
            delay = min(MAX_RETRY_S, RETRY_S * 2**tries)
            values = {
                "meta_status": problem.status,
                "meta_problem": str(problem),
                "meta_retry_at": now + delay,
            }
        results.append((row_id, cid, tries, values, found))
    texts = [semantic.asset_text(f.name, f.tags, f.card) for *_, f in results if f is not None]
    vectors = (await asyncio.to_thread(semantic.embed, texts)) if texts else None
    in_order = iter(vectors if vectors is not None else [None] * len(texts))
    with sessions() as session:
        for row_id, cid, tries, values, found in results:
            # Only if the asset still names that CID (no update, no reorg since it was read).
            changed = session.execute(
                update(MarketAsset)
                .where(MarketAsset.id == row_id, MarketAsset.metadata_cid == cid)
                .values(meta_tries=tries + 1, **values)
            )
            vector = next(in_order) if found is not None else None
            if not changed.rowcount:  # type: ignore[attr-defined]
                continue
            if vector is None:  # unreadable now, or no model: no vector of an older card either
                session.execute(text("DELETE FROM market_embedding WHERE asset_row = :row"), {"row": row_id})
            else:
                session.execute(
                    text(
                        "INSERT OR REPLACE INTO market_embedding (asset_row, chain_id, model, vector) "
                        "VALUES (:row, :chain, :model, :vector)"
                    ),
                    {
                        "row": row_id,
                        "chain": chain_id,
                        "model": semantic.MODEL,
                        "vector": semantic.to_blob(vector),
                    },
                )
        session.commit()
    return len(due)
