"""Shared helpers for the cloud tests (a uniquely named module: every test folder has its own conftest)."""

from __future__ import annotations

import threading
from typing import Any

import httpx
from fake_whoop import FakeWhoop

from healthdesk.cloud.connection import CloudStack, connect
from healthdesk.cloud.secrets import ClientCredentials

CLIENT_ID, CLIENT_SECRET = "test-client-id", "test-client-secret-value"


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
                                  creds: ClientCredentials | None = None, timeout: float = 10) -> dict[str, Any]:
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
                      timeout=timeout)
    finally:
        for thread in threads:
            thread.join(timeout=10)
    return outcome
