"""market_embedding: each asset's MiniLM vector for semantic search; the FTS5 index gets prefix
indexes and keeps only assets with some text (an empty row cost every registration an FTS write and
matched nothing); market_asset gets an index in each search sort's order, so a sorted page reads
its 50 rows instead of sorting 100,000

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
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
# Prefix indexes: words are matched as prefixes while the user types ("tex"* finds "text"), and a
# short prefix without its own index scans every term it starts (hundreds of them in a big catalogue).
PREFIXES = ", prefix='2 3 4 5'"
# Each search sort's ORDER BY (search.ORDER), and "owned by me" (compared lower-case) newest first.
SORT_INDEXES = {
    "ix_market_asset_newest": "chain_id, block DESC, asset_id DESC",
    "ix_market_asset_licensed": "chain_id, licenses DESC, asset_id DESC",
    "ix_market_asset_price": "chain_id, min_price IS NULL, min_price, asset_id DESC",
    "ix_market_asset_owned": "chain_id, lower(owner), block DESC, asset_id DESC",
}
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


def _rebuild_fts(options: str, triggers: list[str], where: str) -> None:
    """The FTS5 table made again with ``options``, filled from ``market_asset`` rows ``where``."""
    for trigger in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS market_asset_fts_{trigger}")
    op.execute("DROP TABLE IF EXISTS market_asset_fts")
    op.execute(
        "CREATE VIRTUAL TABLE market_asset_fts USING fts5(name, card, tags, content='market_asset', "
        f"content_rowid='id', tokenize='unicode61 remove_diacritics 2'{options})"
    )
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
    _rebuild_fts(PREFIXES, TRIGGERS, "WHERE " + HAS_TEXT.format("a"))
    for name, columns in SORT_INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON market_asset ({columns})")


def downgrade() -> None:
    for name in SORT_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    _rebuild_fts("", OLD_TRIGGERS, "")
    op.drop_index("ix_market_embedding_chain", "market_embedding")
    op.drop_table("market_embedding")
