"""Share links: frozen scope, expiry, revocation, access counters and the token's HMAC (never the token).

Revision ID: 0004_share
Revises: 0003_cloud
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_share"
down_revision = "0003_cloud"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "share_links",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("start_day", sa.String(10), nullable=False),
        sa.Column("end_day", sa.String(10), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("sections", sa.String(200), nullable=False),
        sa.Column("fhir", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.String(20), nullable=False),
        sa.Column("expires_at", sa.String(20), nullable=False),
        sa.Column("revoked_at", sa.String(20), nullable=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("access_count", sa.Integer(), nullable=False),
        sa.Column("last_access_at", sa.String(20), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("share_links")
