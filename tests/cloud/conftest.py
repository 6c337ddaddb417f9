"""Fixtures for the cloud tests: a real SQLite store, the fake WHOOP server on 127.0.0.1, a shared clock."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_whoop import FakeData, FakeWhoop, FakeWhoopServer, simulate_history
from fake_whoop.spec import OPENAPI_PATH

from healthdesk.cloud.clock import VirtualClock
from healthdesk.cloud.connection import CloudStack
from healthdesk.cloud.endpoints import Endpoints
from healthdesk.cloud.secrets import MemorySecretStore
from healthdesk.store.database import open_database

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):  # the fake server is built from the spec kept in ../shared
    if not OPENAPI_PATH.is_file():
        for item in items:
            if Path(str(item.fspath)).is_relative_to(HERE):
                item.add_marker(pytest.mark.skip(reason=f"WHOOP OpenAPI document not found at {OPENAPI_PATH}"))


@pytest.fixture(scope="session")
def year_history() -> FakeData:
    return simulate_history(days=365, seed=7)


@pytest.fixture(scope="session")
def short_history() -> FakeData:
    return simulate_history(days=60, seed=7)


@pytest.fixture
def data(short_history) -> FakeData:
    """60 days: enough for every window (72 h overlap, 30-day deep pass); the e2e module uses a full year."""
    return copy.deepcopy(short_history)


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def fake(data, clock) -> FakeWhoop:
    return FakeWhoop(data, clock=clock)


@pytest.fixture
def server(fake) -> Iterator[FakeWhoopServer]:
    with FakeWhoopServer(fake) as srv:
        yield srv


@pytest.fixture
def db(tmp_path: Path):
    database = open_database(tmp_path / "healthdesk.db")  # migrated to head, 0003_cloud included
    yield database
    database.close()


@pytest.fixture
def aio():
    """One event loop for the whole test (httpx connection pools belong to the loop that opened them)."""
    loop = asyncio.new_event_loop()
    yield loop.run_until_complete
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()


@pytest.fixture
def make_stack(db, server, clock, aio):
    """Build CloudStacks against the fake server (closed at teardown)."""
    stacks: list[CloudStack] = []

    def build(store: MemorySecretStore | None = None, **kw: Any) -> CloudStack:
        stack = CloudStack.create(store or MemorySecretStore(), db, Endpoints.resolve(server.base_url),
                                  clock=kw.pop("clock", clock), **kw)
        stacks.append(stack)
        return stack

    yield build
    for stack in stacks:
        aio(stack.aclose())

