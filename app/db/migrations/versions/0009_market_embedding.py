"""market_embedding: each asset's MiniLM vector for semantic search; the FTS5 index keeps only
assets with some text (an empty row cost every registration an FTS write and matched nothing)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

HAS_TEXT = "{0}.name != '' OR {0}.card != '' OR {0}.tags != ''"
DELETE_OLD = (
    "INSERT INTO market_asset_fts(market_asset_fts, rowid, name, card, tags) "
    "SELECT 'delete', old.id, old.name, old.card, old.tags WHERE " + HAS_TEXT.format("old") + ";"
)
INSERT_NEW = (
    "INSERT INTO market_asset_fts(rowid, name, card, tags) "
    "SELECT new.id, new.name, new.card, new.tags WHERE " + HAS_TEXT.format("new") + ";"
)
TRIGGERS = [
    f"CREATE TRIGGER market_asset_fts_insert AFTER INSERT ON market_asset BEGIN {INSERT_NEW} END",
    f"CREATE TRIGGER market_asset_fts_delete AFTER DELETE ON market_asset BEGIN {DELETE_OLD} END",
    "CREATE TRIGGER market_asset_fts_update AFTER UPDATE OF name, card, tags ON market_asset "
    f"BEGIN {DELETE_OLD} {INSERT_NEW} END",
]
# 0008's triggers: every row indexed, empty or not.
OLD_TRIGGERS = [
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


def _swap_triggers(triggers: list[str], where: str) -> None:
    for trigger in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS market_asset_fts_{trigger}")
    op.execute("INSERT INTO market_asset_fts(market_asset_fts) VALUES ('delete-all')")
    op.execute(
        "INSERT INTO market_asset_fts(rowid, name, card, tags) "
        f"SELECT id, name, card, tags FROM market_asset a {where}"
    )
    for statement in triggers:
        op.execute(statement)


def upgrade() -> None:
    op.create_table(
        "market_embedding",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "asset_row", sa.Integer(), sa.ForeignKey("market_asset.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("chain_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(64), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.UniqueConstraint("asset_row"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_market_embedding_chain", "market_embedding", ["chain_id", "seq"])
    _swap_triggers(TRIGGERS, "WHERE " + HAS_TEXT.format("a"))


def downgrade() -> None:
    _swap_triggers(OLD_TRIGGERS, "")
    op.drop_index("ix_market_embedding_chain", "market_embedding")
    op.drop_table("market_embedding")
