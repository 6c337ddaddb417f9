"""The GUI fixtures (qasync loop, a context over a real SQLite file) for the Insights page and Journal panel tests."""

from tests.gui.conftest import context, database, qloop, task_failures  # noqa: F401
