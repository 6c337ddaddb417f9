"""Alembic environment: online only, on the connection open_database hands over (or sqlalchemy.url)."""

from alembic import context
from sqlalchemy import create_engine

from healthdesk.store.tables import metadata

config = context.config


def _run(connection) -> None:
    # render_as_batch: SQLite cannot ALTER most things; batch mode rebuilds the table instead.
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:  # `alembic -x ...` from a shell, for developers generating revisions
    with create_engine(config.get_main_option("sqlalchemy.url")).connect() as conn:
        _run(conn)
        conn.commit()
