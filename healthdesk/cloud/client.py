"""The WHOOP v2 API over httpx: own User-Agent, timeouts, pacing, 429/5xx/401 handling, pagination."""

from __future__ import annotations

import logging
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx

from healthdesk import __version__
from healthdesk.cloud.clock import Clock
from healthdesk.cloud.endpoints import Endpoints
from healthdesk.cloud.errors import BadResponse, CloudUnavailable, NeedsReauth
from healthdesk.cloud.ratelimit import RateLimiter
from healthdesk.cloud.tokens import TokenManager

log = logging.getLogger(__name__)

USER_AGENT = f"healthdesk/{__version__} (+local WHOOP sync)"
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
PAGE_LIMIT = 25  # WHOOP's maximum
MAX_PAGES = 10_000  # a bound on any walk, even if the server never stops paging
MAX_429_WAITS = 20
MAX_TRANSIENT_RETRIES = 5
BACKOFF_BASE_S, BACKOFF_CAP_S = 1.0, 30.0
DEFAULT_429_WAIT_S = 60.0


def new_http_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(headers={"User-Agent": USER_AGENT}, timeout=TIMEOUT, follow_redirects=False)


@dataclass
class RequestStats:
    requests: int = 0
    rate_limit_waits: int = 0
    retries: int = 0

    def count(self) -> None:
        self.requests += 1


class WhoopClient:
    def __init__(self, http: httpx.AsyncClient, endpoints: Endpoints, tokens: TokenManager,
                 limiter: RateLimiter, clock: Clock, stats: RequestStats) -> None:
        self.http, self.endpoints, self.tokens = http, endpoints, tokens
        self.limiter, self.clock, self.stats = limiter, clock, stats

    async def _send(self, method: str, path: str, params: dict[str, Any] | None) -> httpx.Response:
        """One logical request with every retry rule; returns the final response (2xx, 400 or 404)."""
        url = self.endpoints.data(path)
        waits_429 = transient = 0
        refreshed = False
        while True:
            await self.limiter.acquire()
            token = await self.tokens.access_token()
            self.stats.count()
            try:
                resp = await self.http.request(method, url, params=params,
                                               headers={"Authorization": f"Bearer {token}"})
            except httpx.TransportError as exc:
                transient += 1
                if transient > MAX_TRANSIENT_RETRIES:
                    raise CloudUnavailable(f"cannot reach WHOOP at {self.endpoints.root} "
                                           f"({type(exc).__name__}); try again later") from exc
                await self._backoff(transient)
                continue
            exhausted = self.limiter.observe(resp.headers.get("X-RateLimit-Remaining"),
                                             resp.headers.get("X-RateLimit-Reset"))
            if resp.status_code == 429:
                waits_429 += 1
                if waits_429 > MAX_429_WAITS:
                    raise CloudUnavailable("WHOOP kept answering 429 Too Many Requests; try again later")
                self.stats.rate_limit_waits += 1
                self.limiter.block_for(self._retry_after(resp))
                continue
            if exhausted:
                self.stats.rate_limit_waits += 1
            if resp.status_code >= 500:
                transient += 1
                if transient > MAX_TRANSIENT_RETRIES:
                    raise CloudUnavailable(f"WHOOP kept failing (HTTP {resp.status_code}); try again later")
                await self._backoff(transient)
                continue
            if resp.status_code == 401:
                if refreshed:
                    raise NeedsReauth("WHOOP refused the refreshed sign-in (401): run `whoop connect` again")
                await self.tokens.refresh(stale_access=token)
                refreshed = True
                continue
            if resp.status_code == 403:
                raise BadResponse(f"WHOOP refused {path} (HTTP 403): check the app's scopes and membership")
            return resp

    @staticmethod
    def _retry_after(resp: httpx.Response) -> float:
        for header in ("X-RateLimit-Reset", "Retry-After"):
            try:
                return max(0.0, float(resp.headers[header]))
            except (KeyError, ValueError):
                continue
        return DEFAULT_429_WAIT_S

    async def _backoff(self, attempt: int) -> None:
        self.stats.retries += 1
        delay = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** (attempt - 1))
        await self.clock.sleep(delay * (0.5 + random.random() / 2))  # jitter: never a synchronised retry

    async def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """A JSON object, or None when WHOOP says 404 (deleted or never existed)."""
        resp = await self._send("GET", path, params)
        if resp.status_code == 404:
            return None
        if resp.status_code != 200:
            raise BadResponse(f"WHOOP refused {path} (HTTP {resp.status_code})")
        try:
            body = resp.json()
        except ValueError as exc:
            raise BadResponse(f"WHOOP sent malformed JSON for {path}") from exc
        if not isinstance(body, dict):
            raise BadResponse(f"WHOOP sent an unexpected JSON shape for {path}")
        return body

    async def pages(self, path: str, start: str | None = None,
                    end: str | None = None) -> AsyncIterator[list[dict[str, Any]]]:
        """Walk a collection newest-first; each page repeats the same filter with WHOOP's `nextToken`."""
        params: dict[str, Any] = {"limit": PAGE_LIMIT}
        if start:
            params["start"] = start
        if end:
            params["end"] = end
        seen_tokens: set[str] = set()
        for _ in range(MAX_PAGES):
            body = await self.get(path, params)
            if body is None:
                raise BadResponse(f"WHOOP answered 404 for the collection {path}")
            records = body.get("records")
            if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
                raise BadResponse(f"WHOOP sent a page without a records list for {path}")
            yield records
            token = body.get("next_token")
            if not token:  # absent, null and "" all mean the last page
                return
            if token in seen_tokens:
                raise BadResponse(f"WHOOP repeated a page token for {path}; stopped to avoid a loop")
            seen_tokens.add(token)
            params["nextToken"] = token  # request name is camelCase, response field snake_case
        raise BadResponse(f"{path} did not end after {MAX_PAGES} pages")

    async def revoke(self) -> None:
        resp = await self._send("DELETE", "/v2/user/access", None)
        if resp.status_code not in (200, 204):
            raise BadResponse(f"WHOOP refused to revoke access (HTTP {resp.status_code})")
