"""A real store with known values, and a real share server on 127.0.0.1 (port 0) per test."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from healthdesk.clinical.report_data import SECTIONS
from healthdesk.clinical.share.guard import MissLimiter
from healthdesk.services.share import CreatedLink, LinkRequest, ServerInfo, ShareService
from healthdesk.store.database import open_database

from .share_store import TZ, WINDOW, fill

KEY = bytes(range(32))  # a fixed test key, passed below the keyring seam


@pytest.fixture(scope="session")
def _share_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("share-store") / "healthdesk.db"
    db = open_database(path)
    try:
        fill(db)
    finally:
        db.close()
    return path


@pytest.fixture
def share_db(_share_template, home) -> Path:
    target = home / "healthdesk.db"
    source, copy = sqlite3.connect(_share_template), sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    return target


@dataclass
class Running:
    service: ShareService
    info: ServerInfo
    client: httpx.Client

    def link(self, sections=SECTIONS, fhir: bool = True, label: str = "Dr. Test", window=WINDOW,
             days: int = 7) -> CreatedLink:
        return self.service.create_link(LinkRequest(label, window[0], window[1], frozenset(sections), fhir, days,
                                                    TZ))


def start(share_db: Path, home: Path, limiter: MissLimiter | None = None) -> Running:
    service = ShareService(share_db, home, key=KEY)
    info = service.start_server(port=0, limiter=limiter)
    return Running(service, info, httpx.Client(base_url=info.base_url, timeout=30))


@pytest.fixture
def running(share_db, home) -> Iterator[Running]:
    # A roomy miss budget: tests here provoke many misses on purpose (the limit has its own test).
    run = start(share_db, home, MissLimiter(burst=1000))
    yield run
    run.client.close()
    run.service.close()


@pytest.fixture
def expired_link(share_db, home) -> CreatedLink:
    """A link minted 8 days ago with a 7-day expiry (same key, real row)."""
    past = ShareService(share_db, home, key=KEY, clock=lambda: datetime.now(UTC) - timedelta(days=8))
    try:
        return past.create_link(LinkRequest("old", WINDOW[0], WINDOW[1], frozenset(SECTIONS), True, 7, TZ))
    finally:
        past.close()


@pytest.fixture
def all_logs() -> Iterator[list[str]]:
    """Every record from every logger at DEBUG, formatted by a real handler on the root logger."""
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    handler = Keep(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield records
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
