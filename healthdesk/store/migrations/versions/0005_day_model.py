"""Day model: morning-date cycle labels and the algorithm version of every band-derived value.

v0.1 named a cycle by the date of the evening its opening sleep began; from here a cycle is named by the morning
that sleep ends (docs/metrics.md §1). For every stored label that is exactly the next day (WHOOP cycles: both
labels come from the cycle start; band cycles: the old label was the onset's noon-to-noon window, the new one
is that window + 1; workouts and naps follow their cycle), so every `day` moves forward by one and nothing is
deleted. Band-derived values also gain `algorithm_version`: the rows v0.1 made are marked version 1, and the
derive service re-derives every day made by an older version than core.metrics.version.ALGORITHM_VERSION from
the stored 1 Hz records (services/derive.py), which also settles the rare labels the shift cannot know (the
days before the first detected sleep). User-entered rows (edited workouts) keep their place and are relabelled.

Revision ID: 0005_day_model
Revises: 0004_share
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_day_model"
down_revision = "0004_share"
branch_labels = None
depends_on = None

LABELLED = ("daily_values", "band_sleeps", "band_workouts")
V01_ALGORITHM = 1


def _shift(table: str, days: int) -> None:
    # Two steps, so (day, metric, source) never collides half-way: park every row under a prefixed label first.
    op.execute(sa.text(f"UPDATE {table} SET day = '~' || date(day, '{days:+d} day')"))
    op.execute(sa.text(f"UPDATE {table} SET day = substr(day, 2) WHERE day LIKE '~%'"))


def upgrade() -> None:
    with op.batch_alter_table("daily_values") as batch:
        batch.add_column(sa.Column("algorithm_version", sa.Integer(), nullable=True))
    op.execute(sa.text(f"UPDATE daily_values SET algorithm_version = {V01_ALGORITHM} WHERE source = 'band'"))
    for table in LABELLED:
        _shift(table, +1)


def downgrade() -> None:
    for table in LABELLED:
        _shift(table, -1)
    with op.batch_alter_table("daily_values") as batch:
        batch.drop_column("algorithm_version")
