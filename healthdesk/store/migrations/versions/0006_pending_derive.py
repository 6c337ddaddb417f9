"""Pending-derive marker: spans stored but not yet derived (store/pending.py).

Revision ID: 0006_pending_derive
Revises: 0005_day_model
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_pending_derive"
down_revision = "0005_day_model"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_derive",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("t0", sa.Float(), nullable=False),
        sa.Column("t1", sa.Float(), nullable=False),
        sa.Column("added_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_derive")),
    )


def downgrade() -> None:
    op.drop_table("pending_derive")
