"""label_draft: labelers' unsubmitted answers, saved on every change

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "label_draft",
        sa.Column("chain_id", sa.Integer(), primary_key=True),
        sa.Column("campaign_id", sa.Integer(), primary_key=True),
        sa.Column("account", sa.String(42), primary_key=True),
        sa.Column("item_id", sa.String(512), primary_key=True),
        sa.Column("annotation", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("label_draft")
