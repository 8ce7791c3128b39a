"""key_delivery, key_delivery_cursor: the seller's license key deliveries and its log cursor

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "key_delivery_cursor",
        sa.Column("chain_id", sa.Integer(), primary_key=True),
        sa.Column("market", sa.String(42), primary_key=True),
        sa.Column("account", sa.String(42), primary_key=True),
        sa.Column("next_block", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "key_delivery",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("chain_id", sa.Integer(), nullable=False),
        sa.Column("market", sa.String(42), nullable=False),
        sa.Column("license_id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("seller", sa.String(42), nullable=False),
        sa.Column("buyer", sa.String(42), nullable=False),
        sa.Column("buyer_pubkey", sa.String(266), nullable=False),
        sa.Column("price", sa.String(80), nullable=False),
        sa.Column("deliver_by", sa.Integer(), nullable=False),
        sa.Column("purchase_block", sa.Integer(), nullable=False),
        sa.Column("purchase_tx", sa.String(66), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("intent_id", sa.String(200), nullable=False),
        sa.Column("wrapped_key_cid", sa.String(128), nullable=True),
        sa.Column("delivery_tx", sa.String(66), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_key_delivery_asset_id", "key_delivery", ["asset_id"])
    op.create_index("ix_key_delivery_seller", "key_delivery", ["seller"])
    op.create_index("ix_key_delivery_status", "key_delivery", ["status"])
    # One row per license and market: a second process that sees the same purchase inserts nothing.
    op.create_index(
        "ux_key_delivery_license", "key_delivery", ["chain_id", "market", "license_id"], unique=True
    )


def downgrade() -> None:
    op.drop_table("key_delivery")
    op.drop_table("key_delivery_cursor")
