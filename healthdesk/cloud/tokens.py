"""Access tokens for API calls, refreshed when under 5 minutes remain.

WHOOP rotates refresh tokens: a refresh kills the refresh token it used and every earlier access token.
So refreshes are serialised (an asyncio.Lock in-process, plus an advisory file lock across processes where
the OS has one), the stored pair is re-read after taking the lock (another worker may already have
rotated it), and the new pair is written to the secret store BEFORE it is used. An `invalid_grant` is
only believed after a re-read shows nobody else rotated the pair.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx

from healthdesk.cloud.clock import Clock
from healthdesk.cloud.endpoints import Endpoints
from healthdesk.cloud.errors import AuthError, CloudUnavailable, NeedsReauth
from healthdesk.cloud.oauth import post_token, token_error, token_pair_from_response
from healthdesk.cloud.secrets import SecretStore, TokenPair

try:
    import fcntl
except ImportError:  # Windows: the in-process lock plus the invalid_grant re-read still hold
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

REFRESH_MARGIN_S = 300.0


class TokenManager:
    def __init__(self, store: SecretStore, http: httpx.AsyncClient, endpoints: Endpoints, clock: Clock,
                 lock_path: Path | None = None, on_request: Callable[[], None] | None = None,
                 on_needs_reauth: Callable[[], None] | None = None) -> None:
        self.store, self.http, self.endpoints, self.clock = store, http, endpoints, clock
        self.lock_path = lock_path
        self.refreshes = 0
        self._lock = asyncio.Lock()
        self._on_request = on_request or (lambda: None)
        self._on_needs_reauth = on_needs_reauth or (lambda: None)

    def _expiring(self, pair: TokenPair) -> bool:
        return pair.expires_at - self.clock.time() < REFRESH_MARGIN_S

    def _stored(self) -> TokenPair:
        pair = self.store.get_tokens()
        if pair is None:
            raise NeedsReauth("not signed in to WHOOP: run `whoop connect`")
        return pair

    async def access_token(self) -> str:
        pair = self._stored()
        if self._expiring(pair):
            pair = await self.refresh(stale_access=pair.access_token)
        return pair.access_token

    @contextlib.asynccontextmanager
    async def _process_lock(self) -> AsyncIterator[None]:
        if fcntl is None or self.lock_path is None:
            yield
            return
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the flock

    async def refresh(self, stale_access: str | None) -> TokenPair:
        """A fresh pair; `stale_access` is the token the caller found expiring or got a 401 with."""
        async with self._lock, self._process_lock():
            current = self._stored()  # re-read: someone may have rotated while we waited
            if current.access_token != stale_access and not self._expiring(current):
                return current
            creds = self.store.get_credentials()
            if creds is None or not current.refresh_token:
                self._on_needs_reauth()
                raise NeedsReauth("WHOOP sign-in has no refresh token or client keys: run `whoop connect`")
            self._on_request()
            resp = await post_token(self.http, self.endpoints, {
                "grant_type": "refresh_token", "refresh_token": current.refresh_token,
                "client_id": creds.client_id, "client_secret": creds.client_secret, "scope": "offline"})
            if resp.status_code == 200:
                fresh = token_pair_from_response(resp, self.clock, previous_refresh=current.refresh_token)
                self.store.set_tokens(fresh)  # persist before anyone uses it: the old pair is dead now
                self.refreshes += 1
                log.info("WHOOP access token refreshed")
                return fresh
            error, _ = token_error(resp)
            if error == "invalid_grant":
                again = self._stored()
                if again.refresh_token != current.refresh_token and not self._expiring(again):
                    return again  # another process won the race and stored its pair
                self._on_needs_reauth()
                raise NeedsReauth("WHOOP no longer accepts this sign-in (invalid_grant): run `whoop connect` "
                                  "again; your local data is kept")
            if resp.status_code == 401 or error == "invalid_client":
                self._on_needs_reauth()
                raise AuthError("WHOOP rejected the stored client id/secret (invalid_client): run `whoop connect`")
            raise CloudUnavailable(f"WHOOP token refresh failed (HTTP {resp.status_code})")
