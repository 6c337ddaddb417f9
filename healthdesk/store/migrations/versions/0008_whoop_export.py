"""WHOOP export source (cycles, sleeps, workouts, journal as imported) and user corrections.

Revision ID: 0008_whoop_export
Revises: 0007_journal
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_whoop_export"
down_revision = "0007_journal"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "whoop_export_cycles",
        sa.Column("start", sa.Float(), primary_key=True),
        sa.Column("end", sa.Float(), nullable=True),
        sa.Column("tz_offset_s", sa.Integer(), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
    )
    op.create_index("ix_whoop_export_cycles_day", "whoop_export_cycles", ["day"])
    op.create_table(
        "whoop_export_sleeps",
        sa.Column("start", sa.Float(), primary_key=True),
        sa.Column("end", sa.Float(), nullable=False),
        sa.Column("tz_offset_s", sa.Integer(), nullable=False),
        sa.Column("cycle_start", sa.Float(), nullable=False),
        sa.Column("nap", sa.Boolean(), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
    )
    op.create_index("ix_whoop_export_sleeps_day", "whoop_export_sleeps", ["day"])
    op.create_table(
        "whoop_export_workouts",
        sa.Column("start", sa.Float(), primary_key=True),
        sa.Column("end", sa.Float(), nullable=False),
        sa.Column("tz_offset_s", sa.Integer(), nullable=False),
        sa.Column("cycle_start", sa.Float(), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("activity", sa.String(128), nullable=False),
        sa.Column("strain", sa.Float(), nullable=True),
        sa.Column("fields", sa.Text(), nullable=False),
    )
    op.create_index("ix_whoop_export_workouts_day", "whoop_export_workouts", ["day"])
    op.create_table(
        "whoop_export_journal",
        sa.Column("cycle_start", sa.Float(), primary_key=True),
        sa.Column("question", sa.String(512), primary_key=True),
        sa.Column("tz_offset_s", sa.Integer(), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
    )
    op.create_index("ix_whoop_export_journal_day", "whoop_export_journal", ["day"])
    op.create_table(
        "user_corrections",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("target", sa.String(16), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("ref_start", sa.Float(), nullable=False),
        sa.Column("ref_end", sa.Float(), nullable=False),
        sa.Column("new_start", sa.Float(), nullable=True),
        sa.Column("new_end", sa.Float(), nullable=True),
        sa.Column("label", sa.String(64), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.UniqueConstraint("target", "ref_start", name="uq_user_corrections_target"),
    )


def downgrade() -> None:
    op.drop_table("user_corrections")
    for name in ("journal", "workouts", "sleeps", "cycles"):
        op.drop_index(f"ix_whoop_export_{name}_day", f"whoop_export_{name}")
        op.drop_table(f"whoop_export_{name}")
