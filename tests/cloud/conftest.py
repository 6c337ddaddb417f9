"""Fixtures for the cloud tests: a real SQLite store, the fake WHOOP server on 127.0.0.1, a shared clock."""

from __future__ import annotations

import asyncio
import copy
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fake_whoop import FakeData, FakeWhoop, FakeWhoopServer, simulate_history
from fake_whoop.spec import OPENAPI_PATH

from healthdesk.cloud.clock import VirtualClock
from healthdesk.cloud.connection import CloudStack, connect
from healthdesk.cloud.endpoints import Endpoints
from healthdesk.cloud.secrets import ClientCredentials, MemorySecretStore
from healthdesk.store.base import Base
from healthdesk.store.database import open_database

CLIENT_ID, CLIENT_SECRET = "test-client-id", "test-client-secret-value"


def pytest_collection_modifyitems(items):  # the fake server is built from the spec kept in ../shared
    if not OPENAPI_PATH.is_file():
        for item in items:
            item.add_marker(pytest.mark.skip(reason=f"WHOOP OpenAPI document not found at {OPENAPI_PATH}"))


@pytest.fixture(scope="session")
def year_history() -> FakeData:
    return simulate_history(days=365, seed=7)


@pytest.fixture
def data(year_history) -> FakeData:
    return copy.deepcopy(year_history)


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
    database = open_database(tmp_path / "healthdesk.db")
    with database.write() as connection:  # no-op once migration 0003_cloud is in the chain
        Base.metadata.create_all(connection, tables=[t for n, t in Base.metadata.tables.items()
                                                     if n.startswith("whoop_")])
    yield database
    database.close()


def drive_browser(url: str, outcome: dict[str, Any]) -> threading.Thread:
    """Play the user's browser: follow the authorize URL through WHOOP's redirect to our loopback."""
    def run() -> None:
        try:
            resp = httpx.get(url, follow_redirects=True, timeout=10)
            outcome["final_url"], outcome["status"] = str(resp.url), resp.status_code
        except httpx.HTTPError as exc:
            outcome["error"] = repr(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


async def connect_through_browser(stack: CloudStack, fake: FakeWhoop, port: int = 0,
                                  creds: ClientCredentials | None = None) -> dict[str, Any]:
    outcome: dict[str, Any] = {}
    threads: list[threading.Thread] = []

    def show(url: str) -> None:
        redirect = httpx.URL(url).params["redirect_uri"]
        if CLIENT_ID not in fake.apps or redirect not in fake.apps[CLIENT_ID].redirect_uris:
            fake.register_app(CLIENT_ID, CLIENT_SECRET, redirect)  # the user registers the shown URI
        outcome["authorize_url"] = url
        threads.append(drive_browser(url, outcome))

    try:
        await connect(stack, creds or ClientCredentials(CLIENT_ID, CLIENT_SECRET), port, "/callback", show,
                      timeout=10)
    finally:
        for thread in threads:
            thread.join(timeout=10)
    return outcome


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

