"""Journal tags and entries (placeholder, filled by the insights work).

Revision ID: 0007_journal
Revises: 0006_pending_derive
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0007_journal"
down_revision = "0006_pending_derive"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
