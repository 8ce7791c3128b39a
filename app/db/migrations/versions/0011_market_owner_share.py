"""market_owner_share: market_asset keeps each asset's owner share (basis points of its
contributors' royalties paid to whoever owns it), from ``AssetRegistered.ownerShareBps``; assets
indexed before it had none (the registry had no such field), hence the default 0

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ALTER: recreating the table (batch mode) would drop the FTS5 triggers on it.
    op.add_column(
        "market_asset", sa.Column("owner_share_bps", sa.Integer(), nullable=False, server_default="0")
    )


def downgrade() -> None:
    op.execute("ALTER TABLE market_asset DROP COLUMN owner_share_bps")
