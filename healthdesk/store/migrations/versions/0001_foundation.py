"""Foundation: devices, raw frame archive, 1 Hz sample chunks, band events and metadata, minute rollups.

Revision ID: 0001_foundation
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_foundation"
down_revision = None
branch_labels = None
depends_on = None


def _device_fk() -> sa.Column:
    return sa.Column("device_id", sa.Integer(), sa.ForeignKey("devices.id"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "devices",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(128), nullable=False, unique=True),
        sa.Column("model", sa.String(32), nullable=False),
        sa.Column("first_seen", sa.Integer(), nullable=True),
        sa.Column("last_seen", sa.Integer(), nullable=True),
        sa.Column("last_contact_at", sa.Float(), nullable=True),
    )
    op.create_table(
        "raw_frame_batches",
        sa.Column("id", sa.Integer(), primary_key=True),
        _device_fk(),
        sa.Column("received_at", sa.Float(), nullable=False),
        sa.Column("frame_count", sa.Integer(), nullable=False),
        sa.Column("raw_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.LargeBinary(32), nullable=False),
        sa.Column("blob", sa.LargeBinary(), nullable=False),
        sa.UniqueConstraint("device_id", "sha256"),
    )
    op.create_table(
        "sample_chunks",
        _device_fk(),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("chunk", sa.Integer(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("unix_min", sa.Integer(), nullable=False),
        sa.Column("unix_max", sa.Integer(), nullable=False),
        sa.Column("blob", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("device_id", "version", "chunk"),
    )
    op.create_index("ix_sample_chunks_time", "sample_chunks", ["device_id", "unix_min", "unix_max"])
    op.create_table(
        "band_events",
        _device_fk(),
        sa.Column("unix", sa.Integer(), nullable=False),
        sa.Column("subsec", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("battery_pct", sa.Float(), nullable=True),
        sa.Column("battery_mv", sa.Integer(), nullable=True),
        sa.Column("charging", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("device_id", "unix", "subsec", "event_id", "seq"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "band_metadata",
        _device_fk(),
        sa.Column("unix", sa.Integer(), nullable=False),
        sa.Column("subsec", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("frame_count", sa.Integer(), nullable=False),
        sa.Column("token", sa.LargeBinary(8), nullable=False),
        sa.PrimaryKeyConstraint("device_id", "unix", "subsec", "kind", "seq"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "minute_rollups",
        _device_fk(),
        sa.Column("minute", sa.Integer(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("hr_count", sa.Integer(), nullable=False),
        sa.Column("hr_mean", sa.Float(), nullable=True),
        sa.Column("hr_min", sa.Integer(), nullable=True),
        sa.Column("hr_max", sa.Integer(), nullable=True),
        sa.Column("rr_count", sa.Integer(), nullable=False),
        sa.Column("motion", sa.Float(), nullable=True),
        sa.Column("active_count", sa.Integer(), nullable=False),
        sa.Column("worn_fraction", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("device_id", "minute"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    for table in ("minute_rollups", "band_metadata", "band_events", "sample_chunks", "raw_frame_batches"):
        op.drop_table(table)
    op.drop_table("devices")
