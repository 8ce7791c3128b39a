"""ORM models. Each feature adds its tables here or in a module beside it, with a migration."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


def utcnow() -> datetime:
    return datetime.now(UTC)


class AppState(Base):
    """Small facts the app remembers between runs (e.g. which chain id a network had last time)."""

    __tablename__ = "app_state"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class OutboxTx(Base):
    """One signed transaction in the outbox; the row is written before the transaction is broadcast.

    ``intent_id`` names what the user asked for (e.g. "claim-batch:7:3"); it is unique per chain and
    sender among originals, so a restart never signs a second transaction for the same intent.
    Speed-ups and cancels are new rows with the same nonce that point back through ``replaces``.
    """

    __tablename__ = "outbox_tx"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    intent_id: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="original")  # original | speed-up | cancel
    replaces: Mapped[int | None] = mapped_column(ForeignKey("outbox_tx.id"), nullable=True)
    chain_id: Mapped[int] = mapped_column(Integer)
    sender: Mapped[str] = mapped_column(String(42), index=True)
    nonce: Mapped[int] = mapped_column(Integer)
    to: Mapped[str | None] = mapped_column(String(42), nullable=True)
    value: Mapped[str] = mapped_column(String(80))  # wei as a decimal string: exceeds SQLite's int64
    data: Mapped[str] = mapped_column(Text, default="0x")
    gas: Mapped[int] = mapped_column(Integer)
    max_fee_per_gas: Mapped[str] = mapped_column(String(80))
    max_priority_fee_per_gas: Mapped[str] = mapped_column(String(80))
    raw_tx: Mapped[str] = mapped_column(Text)
    tx_hash: Mapped[str] = mapped_column(String(66), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="signed", index=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    block_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    gas_used: Mapped[int | None] = mapped_column(Integer, nullable=True)
    broadcast_attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class StudioRun(Base):
    """One run of an agent graph (canvas, playground or ``sahara agent run``): the run history."""

    __tablename__ = "studio_run"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # the executor's run id
    graph_name: Mapped[str] = mapped_column(String(200))
    graph_hash: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))  # ok | error | cancelled
    inputs: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    outputs: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StudioNodeTrace(Base):
    """What one node did in one run: inputs, outputs, time, tokens, error (JSON may be truncated)."""

    __tablename__ = "studio_node_trace"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("studio_run.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # order in which nodes finished
    node_id: Mapped[str] = mapped_column(String(400))  # "<subgraph>/<inner>" inside subgraphs
    node_type: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # ok | error | cached | skipped | cancelled
    inputs: Mapped[str] = mapped_column(Text, default="{}")
    outputs: Mapped[str] = mapped_column(Text, default="{}")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    duration_us: Mapped[int] = mapped_column(Integer, default=0)
    tokens: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class KeyDeliveryCursor(Base):
    """How far key delivery has read a market's ``LicensePurchased`` logs for one seller account.

    One row per account rather than per market, so a service restricted to some accounts
    (``sahara serve --account N``) never moves past purchases that another account still has to see.
    """

    __tablename__ = "key_delivery_cursor"

    chain_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    market: Mapped[str] = mapped_column(String(42), primary_key=True)
    account: Mapped[str] = mapped_column(String(42), primary_key=True)
    next_block: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class KeyDelivery(Base):
    """One purchase of one of the user's assets, and how delivering its key went.

    The row is the work item: written when the purchase is first seen (in the same transaction that
    moves the cursor), then ``pending`` → ``wrapped`` (the wrapped key is stored; its CID is kept so
    a restart records that one instead of wrapping again) → ``delivered`` → ``paid`` (the escrow was
    released to the royalty vault after the dispute window); or ``refused`` (the
    purchase carries no usable key) or ``closed`` (refunded, delivered elsewhere, asset sold).
    No secret is ever stored here: the content key is re-derived from the encrypted blob's header.
    A unique index on (chain_id, market, license_id), made by migration 0004, keeps one row per
    license even when two processes (the GUI and ``sahara serve``) see the same purchase.
    """

    __tablename__ = "key_delivery"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    chain_id: Mapped[int] = mapped_column(Integer)
    market: Mapped[str] = mapped_column(String(42))
    license_id: Mapped[int] = mapped_column(Integer)
    offer_id: Mapped[int] = mapped_column(Integer)
    asset_id: Mapped[int] = mapped_column(Integer, index=True)
    seller: Mapped[str] = mapped_column(String(42), index=True)  # owner of the asset when seen
    buyer: Mapped[str] = mapped_column(String(42))
    buyer_pubkey: Mapped[str] = mapped_column(String(266))  # hex, as emitted (up to 133 bytes)
    price: Mapped[str] = mapped_column(String(80))  # wei as a decimal string
    deliver_by: Mapped[int] = mapped_column(Integer)
    purchase_block: Mapped[int] = mapped_column(Integer)
    purchase_tx: Mapped[str] = mapped_column(String(66))
    # pending | wrapped | delivered | paid | refused | closed
    status: Mapped[str] = mapped_column(String(16), index=True)
    intent_id: Mapped[str] = mapped_column(String(200))
    wrapped_key_cid: Mapped[str | None] = mapped_column(String(128), nullable=True)
    delivery_tx: Mapped[str | None] = mapped_column(String(66), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    retry_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class LabelDraft(Base):
    """A labeler's unsubmitted answer for one item, saved on every change so a crash loses nothing.

    Keyed by chain, campaign, account and item: the same campaign labeled from two accounts, or on
    two networks, keeps separate drafts. ``annotation`` is the ``labeling.schema.Annotation`` JSON.
    """

    __tablename__ = "label_draft"

    chain_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(42), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(512), primary_key=True)
    annotation: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class LabelCampaign(Base):
    """A campaign this app created, keyed by its manifest CID (the ``campaign:<cid>`` intent).

    The row is written before the funding transaction, so a retry after a crash reuses the same
    encrypted gold set (whose hash is already on chain) instead of uploading a new one; only this
    database knows the gold set's CID until the requester reveals it. ``campaign_id`` is set once
    ``CampaignCreated`` is seen.
    """

    __tablename__ = "label_campaign"

    chain_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    board: Mapped[str] = mapped_column(String(42), primary_key=True)
    manifest_cid: Mapped[str] = mapped_column(String(128), primary_key=True)
    requester: Mapped[str] = mapped_column(String(42))
    gold_cid: Mapped[str | None] = mapped_column(String(128), nullable=True)
    campaign_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LabelReviewCursor(Base):
    """The first block the auto-review worker has not scanned for ``BatchSubmitted`` yet, per requester."""

    __tablename__ = "label_review_cursor"

    chain_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    board: Mapped[str] = mapped_column(String(42), primary_key=True)
    account: Mapped[str] = mapped_column(String(42), primary_key=True)
    next_block: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class LabelLog(Base):
    """A TaskBoard log as the node sent it (topics and data, decoded when read), written by the chain
    indexer (``app/labeling/board_index.py``) in the transaction that moves its cursor. Topics are
    the indexed arguments as 32-byte hex, so reads filter by campaign, labeler and batch in SQL."""

    __tablename__ = "label_log"
    __table_args__ = (Index("ix_label_log_topics", "chain_id", "board", "topic0", "topic1", "topic2"),)

    chain_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    board: Mapped[str] = mapped_column(String(42), primary_key=True)  # lower-case
    block: Mapped[int] = mapped_column(Integer, primary_key=True)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    tx_hash: Mapped[str] = mapped_column(String(66))
    topic0: Mapped[str] = mapped_column(String(66))
    topic1: Mapped[str | None] = mapped_column(String(66), nullable=True)
    topic2: Mapped[str | None] = mapped_column(String(66), nullable=True)
    topic3: Mapped[str | None] = mapped_column(String(66), nullable=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ComputeRun(Base):
    """A job this computer's worker took (or is about to take), and how far it got.

    Written before each step's transaction, so a worker killed at any point resumes from here and
    the chain (which the worker re-reads) and the outbox intents (which never send a step twice).
    ``salt`` is the commit-reveal secret of a two-replica job: it is stored before ``commitResult``
    is sent, since a replica that cannot reveal is slashed. ``stage`` is one of
    ``provider.STAGES``; ``error`` says in words why a run ended without pay.
    """

    __tablename__ = "compute_run"

    chain_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    market: Mapped[str] = mapped_column(String(42), primary_key=True)
    job_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(42), primary_key=True)
    stage: Mapped[str] = mapped_column(String(16))
    salt: Mapped[str | None] = mapped_column(String(66), nullable=True)
    result_hash: Mapped[str | None] = mapped_column(String(66), nullable=True)
    envelope_cid: Mapped[str | None] = mapped_column(String(128), nullable=True)
    payment: Mapped[str] = mapped_column(String(40), default="0")  # wei, as text: uint96 overflows SQLite
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


# -- the chain indexer (app/chain/indexer.py) and the market catalogue it fills (app/market/catalog) --


class ChainCursor(Base):
    """The first block an indexer stream has not read yet; moves in the transaction of the rows it read."""

    __tablename__ = "chain_cursor"

    chain_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stream: Mapped[str] = mapped_column(String(200), primary_key=True)
    next_block: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class ChainBlock(Base):
    """The hash a stream saw for a recent block it read: a different hash later means a reorganisation."""

    __tablename__ = "chain_block"

    chain_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stream: Mapped[str] = mapped_column(String(200), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    hash: Mapped[str] = mapped_column(String(66))


class MarketLog(Base):
    """Every market event read, as decoded: the journal the projections below are rebuilt from after
    a reorganisation. Unique per (chain, tx hash, log index), so a log is never applied twice."""

    __tablename__ = "market_log"
    __table_args__ = (
        Index("ix_market_log_block", "chain_id", "block"),
        Index("ix_market_log_asset", "chain_id", "asset_id"),
        Index("ix_market_log_name", "chain_id", "name", "block"),  # a journal read (catalog.journal)
    )

    chain_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tx_hash: Mapped[str] = mapped_column(String(66), primary_key=True)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    block: Mapped[int] = mapped_column(Integer)
    asset_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    name: Mapped[str] = mapped_column(String(40))
    args: Mapped[str] = mapped_column(Text)  # JSON


class MarketAsset(Base):
    """One registered asset with what its metadata said and the counts search sorts by.

    ``id`` is the FTS5 index's rowid (an explicit key: VACUUM may renumber implicit rowids). Prices
    are 30-digit zero-padded decimal strings: wei do not fit SQLite's integers, and padded strings
    compare and sort like the numbers. ``meta_status``: pending, ok, missing, corrupt, malformed,
    too_large."""

    __tablename__ = "market_asset"
    __table_args__ = (Index("ux_market_asset", "chain_id", "asset_id", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chain_id: Mapped[int] = mapped_column(Integer)
    asset_id: Mapped[int] = mapped_column(Integer)
    creator: Mapped[str] = mapped_column(String(42))
    owner: Mapped[str] = mapped_column(String(42), index=True)
    kind: Mapped[int] = mapped_column(Integer)
    content_cid: Mapped[str] = mapped_column(String(128))
    metadata_cid: Mapped[str] = mapped_column(String(128))
    metadata_version: Mapped[int] = mapped_column(Integer, default=1)
    parent_royalty_bps: Mapped[int] = mapped_column(Integer)
    derivative_royalty_bps: Mapped[int] = mapped_column(Integer)
    contributors_cid: Mapped[str] = mapped_column(String(128))
    total_weight: Mapped[str] = mapped_column(String(80))
    labeling_record: Mapped[str] = mapped_column(String(42))
    campaign_id: Mapped[str] = mapped_column(String(80))
    owner_share_bps: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    block: Mapped[int] = mapped_column(Integer)
    tx_hash: Mapped[str] = mapped_column(String(66))
    log_index: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text, default="")
    card: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[str] = mapped_column(Text, default="")
    task_type: Mapped[str] = mapped_column(String(64), default="")
    meta_status: Mapped[str] = mapped_column(String(16), default="pending")
    meta_problem: Mapped[str] = mapped_column(Text, default="")
    meta_tries: Mapped[int] = mapped_column(Integer, default=0)
    meta_retry_at: Mapped[float] = mapped_column(Float, default=0.0)
    licenses: Mapped[int] = mapped_column(Integer, default=0)
    children: Mapped[int] = mapped_column(Integer, default=0)
    min_price: Mapped[str | None] = mapped_column(String(30), nullable=True)
    commercial: Mapped[bool] = mapped_column(Boolean, default=False)
    derivatives: Mapped[bool] = mapped_column(Boolean, default=False)


class MarketEmbedding(Base):
    """An asset's MiniLM sentence embedding (384 little-endian float32), for semantic search.

    Keyed by the asset's row: a rollback or a new metadata version deletes the asset row or makes it
    pending again, and the fetcher writes a new vector. ``seq`` only grows (AUTOINCREMENT), so an
    in-memory copy of the vectors can tell what is new since it last read them."""

    __tablename__ = "market_embedding"
    __table_args__ = (Index("ix_market_embedding_chain", "chain_id", "seq"), {"sqlite_autoincrement": True})

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    asset_row: Mapped[int] = mapped_column(ForeignKey("market_asset.id", ondelete="CASCADE"), unique=True)
    chain_id: Mapped[int] = mapped_column(Integer)
    model: Mapped[str] = mapped_column(String(64))
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class MarketParent(Base):
    """A lineage edge (``ParentLinked``): ``child`` derives from ``parent``."""

    __tablename__ = "market_parent"
    __table_args__ = (Index("ix_market_parent_parent", "chain_id", "parent"),)

    chain_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    child: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent: Mapped[int] = mapped_column(Integer, primary_key=True)
    block: Mapped[int] = mapped_column(Integer)


class MarketOffer(Base):
    """A license offer (``OfferCreated``, ``OfferActiveSet``)."""

    __tablename__ = "market_offer"
    __table_args__ = (Index("ix_market_offer_asset", "chain_id", "asset_id"),)

    chain_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    offer_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asset_id: Mapped[int] = mapped_column(Integer)
    seller: Mapped[str] = mapped_column(String(42))
    price: Mapped[str] = mapped_column(String(30))
    duration: Mapped[int] = mapped_column(Integer)
    max_licenses: Mapped[int] = mapped_column(Integer)
    commercial: Mapped[bool] = mapped_column(Boolean)
    derivatives: Mapped[bool] = mapped_column(Boolean)
    transferable: Mapped[bool] = mapped_column(Boolean)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    block: Mapped[int] = mapped_column(Integer)


class MarketLicense(Base):
    """A license bought (``LicensePurchased``) and what became of it since."""

    __tablename__ = "market_license"
    __table_args__ = (Index("ix_market_license_buyer", "chain_id", "buyer"),)

    chain_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    license_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asset_id: Mapped[int] = mapped_column(Integer, index=True)
    buyer: Mapped[str] = mapped_column(String(42))
    offer_id: Mapped[int] = mapped_column(Integer)
    price: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    used_for_derivative: Mapped[bool] = mapped_column(Boolean, default=False)
    block: Mapped[int] = mapped_column(Integer)
