"""What an asset page shows, read from the catalogue in one session: the asset's row, its offers,
its lineage one step each way, its licenses summed up, its versions and its on-chain history.

Reads only: the indexer writes these tables. The contributor split is the one thing read from
storage (``read_contributors``), because only its CID is on chain; the file is size-limited and
its tree rebuilt and compared with itself (``ContributorTree.load``), so a tampered or malformed
file is refused with a reason instead of showing wrong shares.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from app import safe_json
from app.chain.merkle import ContributorTree, MerkleError
from app.market.catalog.metadata import MetadataProblem, read_limited
from app.storage import BlobStore
from app.storage.errors import BlobCorrupt, BlobNotFound, StorageError

MAX_HISTORY = 200
MAX_RELATED = 100
MAX_CONTRIBUTORS_FILE = 4 * 1024 * 1024
PAID = ("settled",)  # the escrow reached the asset's royalty vault
ESCROWED = ("pending", "delivered", "disputed")  # paid by the buyer, held by the market until settled


@dataclass(frozen=True)
class Offer:
    offer_id: int
    seller: str
    price: int  # wei
    duration: int  # seconds; 0 is perpetual
    max_licenses: int  # 0 is unlimited
    commercial: bool
    derivatives: bool
    transferable: bool
    active: bool


@dataclass(frozen=True)
class Related:
    """An asset one lineage step away: what the graph draws and links to."""

    asset_id: int
    kind: int
    name: str
    meta_status: str


@dataclass(frozen=True)
class Version:
    version: int
    metadata_cid: str
    block: int


@dataclass(frozen=True)
class HistoryEntry:
    block: int
    tx_hash: str
    event: str  # "Contract.Event"
    args: dict[str, Any]


@dataclass(frozen=True)
class AssetDetail:
    asset_id: int
    kind: int
    name: str
    card: str
    tags: tuple[str, ...]
    task_type: str
    creator: str
    owner: str
    content_cid: str
    metadata_cid: str
    metadata_version: int
    contributors_cid: str
    total_weight: int
    labeling_record: str
    campaign_id: int
    parent_royalty_bps: int
    derivative_royalty_bps: int
    owner_share_bps: int  # of the contributors' royalties, to whoever owns the asset (0: none)
    meta_status: str  # ok, pending, missing, corrupt, malformed, too_large
    meta_problem: str
    block: int
    tx_hash: str
    offers: tuple[Offer, ...]
    parents: tuple[Related, ...]
    children: tuple[Related, ...]
    licenses: int  # not refunded
    revenue: int  # wei paid to the asset's vault (settled licenses)
    escrowed: int  # wei of licenses still in escrow
    versions: tuple[Version, ...]
    history: tuple[HistoryEntry, ...]  # newest first, at most MAX_HISTORY


ASSET = (
    "SELECT asset_id, kind, name, card, tags, task_type, creator, owner, content_cid, metadata_cid, "
    "metadata_version, contributors_cid, total_weight, labeling_record, campaign_id, parent_royalty_bps, "
    "derivative_royalty_bps, owner_share_bps, meta_status, meta_problem, block, tx_hash "
    "FROM market_asset WHERE chain_id = :chain AND asset_id = :asset"
)
OFFERS = (
    "SELECT offer_id, seller, price, duration, max_licenses, commercial, derivatives, transferable, active "
    "FROM market_offer WHERE chain_id = :chain AND asset_id = :asset ORDER BY active DESC, offer_id"
)
RELATED = (
    "SELECT a.asset_id, a.kind, a.name, a.meta_status FROM market_parent p JOIN market_asset a "
    "ON a.chain_id = p.chain_id AND a.asset_id = p.{other} "
    "WHERE p.chain_id = :chain AND p.{this} = :asset ORDER BY a.asset_id LIMIT " + str(MAX_RELATED)
)
LICENSES = (
    "SELECT status, count(*), coalesce(sum(CAST(price AS INTEGER)), 0) FROM market_license "
    "WHERE chain_id = :chain AND asset_id = :asset GROUP BY status"
)
HISTORY = (
    "SELECT block, tx_hash, name, args FROM market_log WHERE chain_id = :chain AND asset_id = :asset "
    "ORDER BY block DESC, log_index DESC LIMIT " + str(MAX_HISTORY)
)
VERSIONS = (
    "SELECT name, args, block FROM market_log WHERE chain_id = :chain AND asset_id = :asset "
    "AND name IN ('AssetRegistry.AssetRegistered', 'AssetRegistry.MetadataUpdated') ORDER BY block, log_index"
)


def _args(raw: str) -> dict[str, Any]:
    try:
        value = safe_json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _versions(session: Session, params: dict[str, Any]) -> tuple[Version, ...]:
    found = []
    for name, raw, block in session.execute(text(VERSIONS), params):
        args = _args(raw)
        number = 1 if name.endswith("AssetRegistered") else int(args.get("version", 0) or 0)
        found.append(Version(number, str(args.get("metadataCid", "")), int(block)))
    return tuple(found)


def asset_detail(session: Session, chain_id: int, asset_id: int) -> AssetDetail | None:
    """Everything the asset page shows about ``asset_id``; None when the catalogue has no such asset."""
    params = {"chain": chain_id, "asset": asset_id}
    row = session.execute(text(ASSET), params).first()
    if row is None:
        return None
    offers = tuple(
        Offer(
            int(o[0]), o[1], int(o[2]), int(o[3]), int(o[4]), bool(o[5]), bool(o[6]), bool(o[7]), bool(o[8])
        )
        for o in session.execute(text(OFFERS), params)
    )
    parents, children = (
        tuple(Related(int(r[0]), int(r[1]), r[2], r[3]) for r in session.execute(text(sql), params))
        for sql in (
            RELATED.format(this="child", other="parent"),
            RELATED.format(this="parent", other="child"),
        )
    )
    licenses = revenue = escrowed = 0
    for status, count, total in session.execute(text(LICENSES), params):
        if status != "refunded":
            licenses += int(count)
        if status in PAID:
            revenue += int(total)
        elif status in ESCROWED:
            escrowed += int(total)
    history = tuple(
        HistoryEntry(int(h[0]), h[1], h[2], _args(h[3])) for h in session.execute(text(HISTORY), params)
    )
    tags = tuple(t for t in (row.tags or "").split() if t)
    return AssetDetail(
        int(row.asset_id), int(row.kind), row.name or "", row.card or "", tags, row.task_type or "",
        row.creator, row.owner, row.content_cid, row.metadata_cid, int(row.metadata_version),
        row.contributors_cid or "", int(row.total_weight or 0), row.labeling_record,
        int(row.campaign_id or 0), int(row.parent_royalty_bps), int(row.derivative_royalty_bps),
        int(row.owner_share_bps or 0), row.meta_status, row.meta_problem or "", int(row.block), row.tx_hash,
        offers, parents, children, licenses, revenue, escrowed, _versions(session, params), history,
    )  # fmt: skip


def asset_detail_with(sessions: sessionmaker[Session], chain_id: int, asset_id: int) -> AssetDetail | None:
    """``asset_detail`` in a session of its own (what a page calls, in a thread)."""
    with sessions() as session:
        return asset_detail(session, chain_id, asset_id)


def task_types_with(sessions: sessionmaker[Session], chain_id: int) -> list[str]:
    """The task types assets of ``chain_id`` name, for the search filter."""
    with sessions() as session:
        rows = session.execute(
            text(
                "SELECT DISTINCT task_type FROM market_asset WHERE chain_id = :chain AND task_type != '' "
                "ORDER BY task_type LIMIT 200"
            ),
            {"chain": chain_id},
        )
        return [r[0] for r in rows]


def read_contributors(store: BlobStore, cid: str) -> list[tuple[str, int]]:
    """The (account, weight) pairs of a contributor tree file, heaviest first; ``MetadataProblem``
    (status missing, corrupt, too_large or malformed) says why it could not be shown."""
    try:
        data = read_limited(store, cid, MAX_CONTRIBUTORS_FILE)
        tree = ContributorTree.load(safe_json.loads(data))
    except BlobNotFound as exc:
        raise MetadataProblem("missing", f"the contributor list {cid} is not in storage") from exc
    except BlobCorrupt as exc:
        raise MetadataProblem("corrupt", f"the contributor list {cid} does not match its CID") from exc
    except StorageError as exc:
        raise MetadataProblem("missing", f"the contributor list {cid} could not be read: {exc}") from exc
    except (ValueError, UnicodeDecodeError, MerkleError, AttributeError, TypeError) as exc:
        raise MetadataProblem("malformed", f"the contributor list is not a valid split ({exc})") from exc
    return sorted(tree.entries, key=lambda pair: (-pair[1], pair[0]))


def history_args(entry: HistoryEntry) -> str:
    """An event's fields on one line, for a tooltip."""
    return json.dumps(entry.args, sort_keys=True)[:400]


def asset_names_with(sessions: sessionmaker[Session], chain_id: int, asset_ids: list[int]) -> dict[int, str]:
    """The names the catalogue knows for ``asset_ids`` (those it has not read are left out)."""
    ids = sorted(set(asset_ids))[:1000]
    if not ids:
        return {}
    marks = ",".join(f":a{i}" for i in range(len(ids)))
    params: dict[str, Any] = {"chain": chain_id, **{f"a{i}": asset for i, asset in enumerate(ids)}}
    sql = f"SELECT asset_id, name FROM market_asset WHERE chain_id = :chain AND asset_id IN ({marks})"
    with sessions() as session:
        rows = session.execute(text(sql), params)
        return {int(r[0]): r[1] for r in rows if r[1]}
