"""Derived values: daily_values per (cycle day, metric, source), band-derived sleeps and workouts.

Revision ID: 0002_derived
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_derived"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "daily_values",
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("metric", sa.String(64), primary_key=True),
        sa.Column("source", sa.String(16), primary_key=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(16), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("computed_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_daily_values_metric_day", "daily_values", ["metric", "day"])
    op.create_table(
        "band_sleeps",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("start", sa.Float(), nullable=False),
        sa.Column("end", sa.Float(), nullable=False),
        sa.Column("main", sa.Boolean(), nullable=False),
        sa.Column("tib_min", sa.Float(), nullable=False),
        sa.Column("asleep_min", sa.Float(), nullable=False),
        sa.Column("efficiency", sa.Float(), nullable=True),
        sa.Column("waso_min", sa.Float(), nullable=True),
        sa.Column("disturbances", sa.Integer(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.UniqueConstraint("source", "start"),
    )
    op.create_index("ix_band_sleeps_time", "band_sleeps", ["start", "end"])
    op.create_table(
        "band_workouts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("start", sa.Float(), nullable=False),
        sa.Column("end", sa.Float(), nullable=False),
        sa.Column("strain", sa.Float(), nullable=True),
        sa.Column("trimp", sa.Float(), nullable=True),
        sa.Column("avg_hr", sa.Float(), nullable=True),
        sa.Column("max_hr", sa.Float(), nullable=True),
        sa.Column("zone_minutes", sa.Text(), nullable=True),
        sa.Column("user_edited", sa.Boolean(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.UniqueConstraint("source", "start"),
    )
    op.create_index("ix_band_workouts_time", "band_workouts", ["start", "end"])


def downgrade() -> None:
    op.drop_index("ix_band_workouts_time", "band_workouts")
    op.drop_table("band_workouts")
    op.drop_index("ix_band_sleeps_time", "band_sleeps")
    op.drop_table("band_sleeps")
    op.drop_index("ix_daily_values_metric_day", "daily_values")
    op.drop_table("daily_values")
