"""WHOOP export source and user corrections (placeholder, filled by the export/corrections work).

Revision ID: 0008_whoop_export
Revises: 0007_journal
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0008_whoop_export"
down_revision = "0007_journal"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
