"""market_reads: the market journal gets an index by event name, so "My licenses" and Earnings read
their events from it (``app.market.catalog.journal``) instead of scanning the chain; and the market
catalogue's cursors go back to the deployment, so the royalty vault's events (now journaled) are
read for the blocks already indexed. The sink skips every log it already journaled, so the re-read
adds only the vault's events.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

STREAMS = "stream LIKE 'market:%' OR stream LIKE 'subgraph:%'"


def upgrade() -> None:
    op.create_index("ix_market_log_name", "market_log", ["chain_id", "name", "block"])
    op.execute(f"DELETE FROM chain_block WHERE {STREAMS}")
    op.execute(f"DELETE FROM chain_cursor WHERE {STREAMS}")


def downgrade() -> None:
    op.drop_index("ix_market_log_name", table_name="market_log")
