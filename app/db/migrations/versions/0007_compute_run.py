"""compute_run: the GPU worker's jobs and their stage (with the commit-reveal salt)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "compute_run",
        sa.Column("chain_id", sa.Integer(), primary_key=True),
        sa.Column("market", sa.String(42), primary_key=True),
        sa.Column("job_id", sa.Integer(), primary_key=True),
        sa.Column("provider", sa.String(42), primary_key=True),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("salt", sa.String(66), nullable=True),
        sa.Column("result_hash", sa.String(66), nullable=True),
        sa.Column("envelope_cid", sa.String(128), nullable=True),
        sa.Column("payment", sa.String(40), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("compute_run")
