"""Wiring of the cloud parts, and the connect / disconnect / status operations the services and CLI call."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from healthdesk.cloud.client import RequestStats, WhoopClient, new_http_client
from healthdesk.cloud.clock import Clock, SystemClock
from healthdesk.cloud.endpoints import Endpoints
from healthdesk.cloud.errors import CloudError
from healthdesk.cloud.oauth import LoopbackListener, code_from_redirect, exchange_code, start_authorization
from healthdesk.cloud.ratelimit import RateLimiter
from healthdesk.cloud.secrets import ClientCredentials, SecretStore
from healthdesk.cloud.sync import SyncOptions, WhoopSync
from healthdesk.cloud.tokens import TokenManager
from healthdesk.store import cloud as local

log = logging.getLogger(__name__)


def _now_iso(clock: Clock) -> str:
    return local.iso_utc(datetime.fromtimestamp(clock.time(), UTC))


@dataclass
class CloudStack:
    """One httpx client, one token manager, one limiter: share it for every call of a run."""

    endpoints: Endpoints
    store: SecretStore
    db: Any
    clock: Clock
    http: httpx.AsyncClient
    stats: RequestStats
    tokens: TokenManager
    client: WhoopClient

    @classmethod
    def create(cls, store: SecretStore, db: Any, endpoints: Endpoints, clock: Clock | None = None,
               lock_path: Path | None = None, per_minute: int = 90, per_day: int = 9500,
               http: httpx.AsyncClient | None = None) -> CloudStack:
        clock = clock or SystemClock()
        http = http or new_http_client()
        stats = RequestStats()

        def mark_needs_reauth() -> None:
            with local.write_session(db) as session:
                local.put_connection(session, status="needs_reauth")

        tokens = TokenManager(store, http, endpoints, clock, lock_path=lock_path, on_request=stats.count,
                              on_needs_reauth=mark_needs_reauth)
        client = WhoopClient(http, endpoints, tokens, RateLimiter(clock, per_minute, per_day), clock, stats)
        return cls(endpoints, store, db, clock, http, stats, tokens, client)

    def syncer(self, options: SyncOptions | None = None,
               on_changed: Callable[[Any, dict[str, set[int | str]]], None] | None = None,
               on_progress: Callable[[str, Any], None] | None = None) -> WhoopSync:
        return WhoopSync(self.client, self.db, self.clock, options, on_changed, on_progress)

    async def aclose(self) -> None:
        await self.http.aclose()


async def connect(stack: CloudStack, creds: ClientCredentials, port: int, path: str,
                  show_url: Callable[[str], None], timeout: float = 300.0) -> None:
    """Sign in: listen on the loopback redirect, hand the authorize URL to `show_url` (browser or print),
    check the answer, exchange the code and store keys and tokens. Nothing is stored unless all succeeded."""
    with LoopbackListener(port, path) as listener:
        request = start_authorization(stack.endpoints, creds.client_id, listener.redirect_uri)
        listener.expect(request.state)  # before the URL is shown: only its answer ends the wait
        show_url(request.url)
        params = await listener.wait(timeout)
    code = code_from_redirect(params, request.state)
    pair = await exchange_code(stack.http, stack.endpoints, creds, code, request, stack.clock)
    stack.stats.count()
    stack.store.set_credentials(creds)
    stack.store.set_tokens(pair)

    def record() -> None:
        with local.write_session(stack.db) as session:
            local.put_connection(session, status="connected", api_base=stack.endpoints.root,
                                 redirect_uri=request.redirect_uri, connected_at=_now_iso(stack.clock),
                                 last_sync_error=None)

    await asyncio.to_thread(record)
    log.info("connected to WHOOP at %s (redirect %s)", stack.endpoints.root, request.redirect_uri)


async def disconnect(stack: CloudStack, revoke: bool) -> str | None:
    """Stop syncing and forget the keys; WHOOP data stays. Returns a warning if the revoke failed."""
    warning = None
    if revoke:
        try:
            await stack.client.revoke()
        except CloudError as exc:
            warning = f"could not revoke access at WHOOP ({exc}); revoke it in the WHOOP app if needed"
    stack.store.clear()

    def record() -> None:
        with local.write_session(stack.db) as session:
            local.put_connection(session, status="disconnected", next_sync_at=None)

    await asyncio.to_thread(record)
    return warning


def connection_status(db: Any, store: SecretStore) -> dict[str, Any]:
    with local.read_session(db) as session:
        row = local.get_connection(session)
        states = {name: session.get(local.WhoopSyncState, name) for name in local.RESOURCES}
        status = row.status if row else "disconnected"
        signed_in = store.get_tokens() is not None
        return {
            "connected": status == "connected" and signed_in,
            "needs_reauth": status == "needs_reauth" or (status == "connected" and not signed_in),
            "status": status,
            "keyring": "system" if store.persistent else "memory",
            "api_base": row.api_base if row else None,
            "redirect_uri": row.redirect_uri if row else None,
            "last_sync": row.last_sync_at if row else None,
            "last_sync_error": row.last_sync_error if row else None,
            "next_sync": row.next_sync_at if row else None,
            "resources": {name: None if st is None else {
                "watermark": st.watermark, "backfill_done": bool(st.backfill_done),
                "last_success": st.last_success_at, "last_error": st.last_error,
                "last_deep_pass": st.last_deep_pass_at} for name, st in states.items()},
        }
