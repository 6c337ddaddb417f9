"""Migration 0003_cloud creates exactly the whoop_* tables the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from healthdesk.store.base import Base
from healthdesk.store.database import alembic_config, head_revision, open_database


def test_0003_cloud_matches_the_models(tmp_path):
    db = open_database(tmp_path / "h.db")
    try:
        script = ScriptDirectory.from_config(alembic_config())
        assert script.get_revision("0003_cloud").down_revision == "0002_derived"
        assert db.migration.after == head_revision()
        with db.write() as connection:
            names = set(inspect(connection).get_table_names())
            assert {"whoop_cycle", "whoop_sleep", "whoop_recovery", "whoop_workout", "whoop_profile",
                    "whoop_sync_state", "whoop_connection"} <= names
            diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        ours = [d for d in diffs if "whoop_" in repr(d)]
        assert ours == []
    finally:
        db.close()
