"""outbox_tx: signed transactions persisted before broadcast

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox_tx",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("intent_id", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("replaces", sa.Integer(), sa.ForeignKey("outbox_tx.id"), nullable=True),
        sa.Column("chain_id", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(42), nullable=False),
        sa.Column("nonce", sa.Integer(), nullable=False),
        sa.Column("to", sa.String(42), nullable=True),
        sa.Column("value", sa.String(80), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("gas", sa.Integer(), nullable=False),
        sa.Column("max_fee_per_gas", sa.String(80), nullable=False),
        sa.Column("max_priority_fee_per_gas", sa.String(80), nullable=False),
        sa.Column("raw_tx", sa.Text(), nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=False, unique=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("block_number", sa.Integer(), nullable=True),
        sa.Column("gas_used", sa.Integer(), nullable=True),
        sa.Column("broadcast_attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_outbox_tx_intent_id", "outbox_tx", ["intent_id"])
    op.create_index("ix_outbox_tx_sender", "outbox_tx", ["sender"])
    op.create_index("ix_outbox_tx_status", "outbox_tx", ["status"])
    # One original transaction per intent, per chain and sender: the database itself refuses a
    # second signature for the same intent, even from a second process.
    op.create_index(
        "ux_outbox_intent_original",
        "outbox_tx",
        ["chain_id", "sender", "intent_id"],
        unique=True,
        sqlite_where=sa.text("kind = 'original'"),
    )


def downgrade() -> None:
    op.drop_table("outbox_tx")
