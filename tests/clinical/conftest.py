"""A real SQLite store with WHOOP-cloud records and band samples, built once per session and copied."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from healthdesk.store.database import open_database

from .store_fill import fill_band, fill_cloud


@pytest.fixture(scope="session")
def _store_template(tmp_path_factory) -> Path:
    """Built once per session (a few hundred records + 14k samples); each test gets a copy."""
    path = tmp_path_factory.mktemp("store") / "healthdesk.db"
    db = open_database(path)
    try:
        fill_cloud(db)
        fill_band(db)
    finally:
        db.close()
    return path


@pytest.fixture
def store_path(_store_template, home) -> Path:
    target = home / "healthdesk.db"
    source, copy = sqlite3.connect(_store_template), sqlite3.connect(target)
    try:
        source.backup(copy)  # consistent copy including the WAL
    finally:
        copy.close()
        source.close()
    return target


@pytest.fixture
def empty_store_path(home) -> Path:
    path = home / "healthdesk.db"
    open_database(path).close()  # a fresh file at the newest schema, no rows
    return path
