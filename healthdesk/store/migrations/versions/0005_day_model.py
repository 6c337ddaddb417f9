"""Day model: morning-date cycle labels and algorithm versions (placeholder, filled by the day-model work).

Revision ID: 0005_day_model
Revises: 0004_share
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0005_day_model"
down_revision = "0004_share"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
