"""Pending-derive marker (store/pending.py) and the key id each share link was minted under (store/share_keys.py).

Revision ID: 0006_pending_derive
Revises: 0005_day_model
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_pending_derive"
down_revision = "0005_day_model"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_derive",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("t0", sa.Float(), nullable=False),
        sa.Column("t1", sa.Float(), nullable=False),
        sa.Column("added_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_derive")),
    )
    op.create_table(
        "share_link_keys",
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["link_id"], ["share_links.id"], name=op.f("fk_share_link_keys_link_id_share_links"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("link_id", name=op.f("pk_share_link_keys")),
    )


def downgrade() -> None:
    op.drop_table("share_link_keys")
    op.drop_table("pending_derive")
