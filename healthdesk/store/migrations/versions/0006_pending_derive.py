"""Pending-derive marker (placeholder, filled by the hardening work).

Revision ID: 0006_pending_derive
Revises: 0005_day_model
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0006_pending_derive"
down_revision = "0005_day_model"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
