"""label_campaign, label_review_cursor: the requester's campaigns (with their private gold set CID)
and the auto-review worker's log cursor

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "label_campaign",
        sa.Column("chain_id", sa.Integer(), primary_key=True),
        sa.Column("board", sa.String(42), primary_key=True),
        sa.Column("manifest_cid", sa.String(128), primary_key=True),
        sa.Column("requester", sa.String(42), nullable=False),
        sa.Column("gold_cid", sa.String(128), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "label_review_cursor",
        sa.Column("chain_id", sa.Integer(), primary_key=True),
        sa.Column("board", sa.String(42), primary_key=True),
        sa.Column("account", sa.String(42), primary_key=True),
        sa.Column("next_block", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("label_review_cursor")
    op.drop_table("label_campaign")
