"""market search speed: a second FTS5 index over names and tags alone, for relevance by place;
prefix indexes up to 16 characters

A query of common words only is ranked by where its words are: all in the name first, then all in
the name or tags (``app.market.catalog.search``). FTS5 has no per-column index, so asking the main
index (name, card, tags) for "every word in the name" reads every match of the words and checks
each one's columns: when few assets have them all in their names, that is every common match,
3-5 ms per pass at 100,000 assets. Names and tags hold about a tenth of the words, so the same
questions asked of an index of those columns alone read a tenth as much. It is external-content
over ``market_asset`` like the main one, kept in step by its own triggers, with the same tokenizer
and prefix indexes, so it finds exactly what the main index finds in those columns.

Both get prefix indexes for every length up to 16 characters (0013 stopped at 8). A typed word
longer than the longest prefix index makes FTS5 merge the postings of every term that starts with
it before it reads one row, in each statement that uses it: 8 ms for a word in most of 100,000
assets, two or three times a search. Words of 9 to 16 letters are a small share of the postings,
so the main index grows by about 4 %.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

PREFIXES = " ".join(str(n) for n in range(1, 17))
OLD_PREFIXES = "1 2 3 4 5 6 7 8"  # 0013's
HAS_TEXT = "{0}.name != '' OR {0}.tags != ''"
MAIN_HAS_TEXT = "{0}.name != '' OR {0}.card != '' OR {0}.tags != ''"
MAIN_DELETE_OLD = (
    "INSERT INTO market_asset_fts(market_asset_fts, rowid, name, card, tags) "
    "SELECT 'delete', old.id, old.name, old.card, old.tags WHERE " + MAIN_HAS_TEXT.format("old") + ";"
)
MAIN_INSERT_NEW = (
    "INSERT INTO market_asset_fts(rowid, name, card, tags) "
    "SELECT new.id, new.name, new.card, new.tags WHERE " + MAIN_HAS_TEXT.format("new") + ";"
)
MAIN_TRIGGERS = [  # 0013's, made again with the table
    f"CREATE TRIGGER market_asset_fts_insert AFTER INSERT ON market_asset BEGIN {MAIN_INSERT_NEW} END",
    f"CREATE TRIGGER market_asset_fts_delete AFTER DELETE ON market_asset BEGIN {MAIN_DELETE_OLD} END",
    "CREATE TRIGGER market_asset_fts_update AFTER UPDATE OF name, card, tags ON market_asset "
    f"BEGIN {MAIN_DELETE_OLD} {MAIN_INSERT_NEW} END",
]
DELETE_OLD = (
    "INSERT INTO market_asset_names(market_asset_names, rowid, name, tags) "
    "SELECT 'delete', old.id, old.name, old.tags WHERE " + HAS_TEXT.format("old") + ";"
)
INSERT_NEW = (
    "INSERT INTO market_asset_names(rowid, name, tags) "
    "SELECT new.id, new.name, new.tags WHERE " + HAS_TEXT.format("new") + ";"
)
TRIGGERS = [
    f"CREATE TRIGGER market_asset_names_insert AFTER INSERT ON market_asset BEGIN {INSERT_NEW} END",
    f"CREATE TRIGGER market_asset_names_delete AFTER DELETE ON market_asset BEGIN {DELETE_OLD} END",
    "CREATE TRIGGER market_asset_names_update AFTER UPDATE OF name, tags ON market_asset "
    f"BEGIN {DELETE_OLD} {INSERT_NEW} END",
]


def _make(table: str, columns: str, has_text: str, triggers: list[str], prefixes: str) -> None:
    """An external-content FTS5 table over ``market_asset``'s ``columns`` with prefix indexes of
    ``prefixes``, filled from the rows that have text there, and the ``triggers`` keeping it in step."""
    op.execute(
        f"CREATE VIRTUAL TABLE {table} USING fts5({columns}, content='market_asset', "
        f"content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='{prefixes}')"
    )
    op.execute(
        f"INSERT INTO {table}(rowid, {columns}) "
        f"SELECT id, {columns} FROM market_asset a WHERE " + has_text.format("a")
    )
    for statement in triggers:
        op.execute(statement)


def _rebuild_main(prefixes: str) -> None:
    """The main FTS5 table made again with prefix indexes of ``prefixes``, filled from ``market_asset``."""
    for trigger in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS market_asset_fts_{trigger}")
    op.execute("DROP TABLE IF EXISTS market_asset_fts")
    _make("market_asset_fts", "name, card, tags", MAIN_HAS_TEXT, MAIN_TRIGGERS, prefixes)


def upgrade() -> None:
    _rebuild_main(PREFIXES)
    _make("market_asset_names", "name, tags", HAS_TEXT, TRIGGERS, PREFIXES)


def downgrade() -> None:
    for trigger in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS market_asset_names_{trigger}")
    op.execute("DROP TABLE IF EXISTS market_asset_names")
    _rebuild_main(OLD_PREFIXES)
