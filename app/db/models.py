"""ORM models. Each feature adds its tables here or in a module beside it, with a migration."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
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
