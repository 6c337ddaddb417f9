"""Journal tags and entries: yes/no answers per cycle (morning date), seeded with the starter tags.

Revision ID: 0007_journal
Revises: 0006_pending_derive
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0007_journal"
down_revision = "0006_pending_derive"
branch_labels = None
depends_on = None

# Frozen copy of store/journal.py STARTER_TAGS at the time of this revision (a migration never imports app code).
_STARTER = (
    ("alcohol", "Alcohol"),
    ("caffeine_after_2pm", "Caffeine after 2 pm"),
    ("late_meal", "Late meal"),
    ("screen_in_bed", "Screen in bed"),
    ("high_stress", "High stress"),
    ("feeling_ill", "Feeling ill"),
    ("travel", "Travel"),
    ("sauna", "Sauna"),
    ("shared_bed", "Shared bed"),
    ("medication", "Medication"),
)


def upgrade() -> None:
    tags = op.create_table(
        "journal_tags",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("created_at", sa.String(20), nullable=False),
    )
    op.create_table(
        "journal_entries",
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("tag_id", sa.Integer(), sa.ForeignKey("journal_tags.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("answered_yes", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("updated_at", sa.String(20), nullable=False),
    )
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    op.bulk_insert(tags, [{"name": n, "label": lbl, "source": "starter", "created_at": now} for n, lbl in _STARTER])


def downgrade() -> None:
    op.drop_table("journal_entries")
    op.drop_table("journal_tags")
