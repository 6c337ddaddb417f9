"""WHOOP cloud copy: whoop_cycle/sleep/recovery/workout (raw JSON + typed columns, soft deletes), profile,
per-resource sync state and the connection row.

Revision ID: 0003_cloud
Revises: 0002_derived
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_cloud"
down_revision = "0002_derived"
branch_labels = None
depends_on = None

TS = sa.String(24)  # WHOOP UTC timestamps, normalised 'YYYY-MM-DDTHH:MM:SS.mmmZ'


def _record_columns() -> list[sa.Column]:
    return [
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", TS, nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("score_state", sa.String(16), nullable=False),
        sa.Column("fetched_at", TS, nullable=False),
        sa.Column("deleted_at", TS, nullable=True),
        sa.Column("raw_json", sa.Text(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "whoop_cycle",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("start", TS, nullable=False),
        sa.Column("end", TS, nullable=True),
        sa.Column("timezone_offset", sa.String(8), nullable=False),
        sa.Column("strain", sa.Float(), nullable=True),
        sa.Column("kilojoule", sa.Float(), nullable=True),
        sa.Column("average_heart_rate", sa.Integer(), nullable=True),
        sa.Column("max_heart_rate", sa.Integer(), nullable=True),
        *_record_columns(),
    )
    op.create_index("ix_whoop_cycle_start", "whoop_cycle", ["start"])
    op.create_table(
        "whoop_sleep",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("cycle_id", sa.BigInteger(), nullable=True),
        sa.Column("nap", sa.Boolean(), nullable=False),
        sa.Column("start", TS, nullable=False),
        sa.Column("end", TS, nullable=False),
        sa.Column("timezone_offset", sa.String(8), nullable=False),
        sa.Column("in_bed_ms", sa.BigInteger(), nullable=True),
        sa.Column("awake_ms", sa.BigInteger(), nullable=True),
        sa.Column("light_ms", sa.BigInteger(), nullable=True),
        sa.Column("slow_wave_ms", sa.BigInteger(), nullable=True),
        sa.Column("rem_ms", sa.BigInteger(), nullable=True),
        sa.Column("disturbance_count", sa.Integer(), nullable=True),
        sa.Column("need_ms", sa.BigInteger(), nullable=True),
        sa.Column("respiratory_rate", sa.Float(), nullable=True),
        sa.Column("performance_pct", sa.Float(), nullable=True),
        sa.Column("consistency_pct", sa.Float(), nullable=True),
        sa.Column("efficiency_pct", sa.Float(), nullable=True),
        *_record_columns(),
    )
    op.create_index("ix_whoop_sleep_cycle_id", "whoop_sleep", ["cycle_id"])
    op.create_index("ix_whoop_sleep_start", "whoop_sleep", ["start"])
    op.create_table(
        "whoop_recovery",
        sa.Column("cycle_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("sleep_id", sa.String(36), nullable=False),
        sa.Column("recovery_score", sa.Float(), nullable=True),
        sa.Column("resting_heart_rate", sa.Float(), nullable=True),
        sa.Column("hrv_rmssd_ms", sa.Float(), nullable=True),
        sa.Column("spo2_pct", sa.Float(), nullable=True),
        sa.Column("skin_temp_c", sa.Float(), nullable=True),
        sa.Column("user_calibrating", sa.Boolean(), nullable=True),
        *_record_columns(),
    )
    op.create_index("ix_whoop_recovery_sleep_id", "whoop_recovery", ["sleep_id"])
    op.create_table(
        "whoop_workout",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("start", TS, nullable=False),
        sa.Column("end", TS, nullable=False),
        sa.Column("timezone_offset", sa.String(8), nullable=False),
        sa.Column("sport_name", sa.String(64), nullable=True),
        sa.Column("strain", sa.Float(), nullable=True),
        sa.Column("average_heart_rate", sa.Integer(), nullable=True),
        sa.Column("max_heart_rate", sa.Integer(), nullable=True),
        sa.Column("kilojoule", sa.Float(), nullable=True),
        sa.Column("percent_recorded", sa.Float(), nullable=True),
        sa.Column("distance_meter", sa.Float(), nullable=True),
        *_record_columns(),
    )
    op.create_index("ix_whoop_workout_start", "whoop_workout", ["start"])
    op.create_table(
        "whoop_profile",
        sa.Column("user_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("first_name", sa.String(200), nullable=True),
        sa.Column("last_name", sa.String(200), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("height_meter", sa.Float(), nullable=True),
        sa.Column("weight_kilogram", sa.Float(), nullable=True),
        sa.Column("max_heart_rate", sa.Integer(), nullable=True),
        sa.Column("profile_json", sa.Text(), nullable=True),
        sa.Column("body_json", sa.Text(), nullable=True),
        sa.Column("fetched_at", TS, nullable=False),
    )
    op.create_table(
        "whoop_sync_state",
        sa.Column("resource", sa.String(16), primary_key=True),
        sa.Column("watermark", TS, nullable=True),
        sa.Column("backfill_done", sa.Boolean(), nullable=False),
        sa.Column("last_success_at", TS, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", TS, nullable=True),
        sa.Column("last_deep_pass_at", TS, nullable=True),
    )
    op.create_table(
        "whoop_connection",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("api_base", sa.String(300), nullable=True),
        sa.Column("redirect_uri", sa.String(300), nullable=True),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("connected_at", TS, nullable=True),
        sa.Column("last_sync_at", TS, nullable=True),
        sa.Column("last_sync_error", sa.Text(), nullable=True),
        sa.Column("next_sync_at", TS, nullable=True),
    )


def downgrade() -> None:
    for table in ("whoop_connection", "whoop_sync_state", "whoop_profile", "whoop_workout", "whoop_recovery",
                  "whoop_sleep", "whoop_cycle"):
        op.drop_table(table)
