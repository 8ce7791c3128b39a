"""label_log: the TaskBoard's logs, read by the chain indexer for the labeling workspace

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


def upgrade() -> None:
    op.create_table(
        "label_log",
        sa.Column("chain_id", sa.Integer(), primary_key=True),
        sa.Column("board", sa.String(42), primary_key=True),
        sa.Column("block", sa.Integer(), primary_key=True),
        sa.Column("log_index", sa.Integer(), primary_key=True),
        sa.Column("tx_hash", sa.String(66), nullable=False),
        sa.Column("topic0", sa.String(66), nullable=False),
        sa.Column("topic1", sa.String(66), nullable=True),
        sa.Column("topic2", sa.String(66), nullable=True),
        sa.Column("topic3", sa.String(66), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_label_log_topics", "label_log", ["chain_id", "board", "topic0", "topic1", "topic2"])


def downgrade() -> None:
    op.drop_index("ix_label_log_topics", table_name="label_log")
    op.drop_table("label_log")
