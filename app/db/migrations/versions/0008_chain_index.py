"""chain_cursor, chain_block: the chain indexer's cursors and recent block hashes; market_log,
market_asset (+ FTS5 index), market_parent, market_offer, market_license: the market catalogue

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# The FTS5 index is external-content over market_asset and kept in step by triggers, so every way a
# row goes (an update from metadata, a reorganisation's rollback, a new chain's start-over) updates it.
FTS = [
    "CREATE VIRTUAL TABLE market_asset_fts USING fts5("
    "name, card, tags, content='market_asset', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER market_asset_fts_insert AFTER INSERT ON market_asset BEGIN "
    "INSERT INTO market_asset_fts(rowid, name, card, tags) "
    "VALUES (new.id, new.name, new.card, new.tags); END",
    "CREATE TRIGGER market_asset_fts_delete AFTER DELETE ON market_asset BEGIN "
    "INSERT INTO market_asset_fts(market_asset_fts, rowid, name, card, tags) "
    "VALUES ('delete', old.id, old.name, old.card, old.tags); END",
    "CREATE TRIGGER market_asset_fts_update AFTER UPDATE OF name, card, tags ON market_asset BEGIN "
    "INSERT INTO market_asset_fts(market_asset_fts, rowid, name, card, tags) "
    "VALUES ('delete', old.id, old.name, old.card, old.tags); "
    "INSERT INTO market_asset_fts(rowid, name, card, tags) "
    "VALUES (new.id, new.name, new.card, new.tags); END",
]


def upgrade() -> None:
    op.create_table(
        "chain_cursor",
        sa.Column("chain_id", sa.Integer(), primary_key=True),
        sa.Column("stream", sa.String(200), primary_key=True),
        sa.Column("next_block", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "chain_block",
        sa.Column("chain_id", sa.Integer(), primary_key=True),
        sa.Column("stream", sa.String(200), primary_key=True),
        sa.Column("number", sa.Integer(), primary_key=True),
        sa.Column("hash", sa.String(66), nullable=False),
    )
    op.create_table(
        "market_log",
        sa.Column("chain_id", sa.Integer(), primary_key=True),
        sa.Column("tx_hash", sa.String(66), primary_key=True),
        sa.Column("log_index", sa.Integer(), primary_key=True),
        sa.Column("block", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("args", sa.Text(), nullable=False),
    )
    op.create_index("ix_market_log_block", "market_log", ["chain_id", "block"])
    op.create_index("ix_market_log_asset", "market_log", ["chain_id", "asset_id"])
    op.create_table(
        "market_asset",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("chain_id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("creator", sa.String(42), nullable=False),
        sa.Column("owner", sa.String(42), nullable=False),
        sa.Column("kind", sa.Integer(), nullable=False),
        sa.Column("content_cid", sa.String(128), nullable=False),
        sa.Column("metadata_cid", sa.String(128), nullable=False),
        sa.Column("metadata_version", sa.Integer(), nullable=False),
        sa.Column("parent_royalty_bps", sa.Integer(), nullable=False),
        sa.Column("derivative_royalty_bps", sa.Integer(), nullable=False),
        sa.Column("contributors_cid", sa.String(128), nullable=False),
        sa.Column("total_weight", sa.String(80), nullable=False),
        sa.Column("labeling_record", sa.String(42), nullable=False),
        sa.Column("campaign_id", sa.String(80), nullable=False),
        sa.Column("block", sa.Integer(), nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("card", sa.Text(), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("task_type", sa.String(64), nullable=False),
        sa.Column("meta_status", sa.String(16), nullable=False),
        sa.Column("meta_problem", sa.Text(), nullable=False),
        sa.Column("meta_tries", sa.Integer(), nullable=False),
        sa.Column("meta_retry_at", sa.Float(), nullable=False),
        sa.Column("licenses", sa.Integer(), nullable=False),
        sa.Column("children", sa.Integer(), nullable=False),
        sa.Column("min_price", sa.String(30), nullable=True),
        sa.Column("commercial", sa.Boolean(), nullable=False),
        sa.Column("derivatives", sa.Boolean(), nullable=False),
    )
    op.create_index("ux_market_asset", "market_asset", ["chain_id", "asset_id"], unique=True)
    op.create_index("ix_market_asset_owner", "market_asset", ["owner"])
    op.create_table(
        "market_parent",
        sa.Column("chain_id", sa.Integer(), primary_key=True),
        sa.Column("child", sa.Integer(), primary_key=True),
        sa.Column("parent", sa.Integer(), primary_key=True),
        sa.Column("block", sa.Integer(), nullable=False),
    )
    op.create_index("ix_market_parent_parent", "market_parent", ["chain_id", "parent"])
    op.create_table(
        "market_offer",
        sa.Column("chain_id", sa.Integer(), primary_key=True),
        sa.Column("offer_id", sa.Integer(), primary_key=True),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("seller", sa.String(42), nullable=False),
        sa.Column("price", sa.String(30), nullable=False),
        sa.Column("duration", sa.Integer(), nullable=False),
        sa.Column("max_licenses", sa.Integer(), nullable=False),
        sa.Column("commercial", sa.Boolean(), nullable=False),
        sa.Column("derivatives", sa.Boolean(), nullable=False),
        sa.Column("transferable", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("block", sa.Integer(), nullable=False),
    )
    op.create_index("ix_market_offer_asset", "market_offer", ["chain_id", "asset_id"])
    op.create_table(
        "market_license",
        sa.Column("chain_id", sa.Integer(), primary_key=True),
        sa.Column("license_id", sa.Integer(), primary_key=True),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("buyer", sa.String(42), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("price", sa.String(30), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("used_for_derivative", sa.Boolean(), nullable=False),
        sa.Column("block", sa.Integer(), nullable=False),
    )
    op.create_index("ix_market_license_buyer", "market_license", ["chain_id", "buyer"])
    op.create_index("ix_market_license_asset_id", "market_license", ["asset_id"])
    for statement in FTS:
        op.execute(statement)


def downgrade() -> None:
    for trigger in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS market_asset_fts_{trigger}")
    op.execute("DROP TABLE IF EXISTS market_asset_fts")
    for table in ("market_license", "market_offer", "market_parent", "market_asset", "market_log"):
        op.drop_table(table)
    op.drop_table("chain_block")
    op.drop_table("chain_cursor")
