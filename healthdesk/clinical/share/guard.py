"""Request hardening in front of the share routes (clinical.md §6.1): methods, URL size, Host, miss limit.

A pure ASGI wrapper, so it runs before routing and applies to every path, known or not.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections.abc import Awaitable, Callable

from starlette.responses import PlainTextResponse, Response

from healthdesk.clinical.share.fhir_face import FHIR_JSON, outcome

MAX_URL_BYTES = 2048  # path + query; a capability URL is ~60 bytes
MAX_HEADER_BYTES = 8 * 1024  # all header names and values together (h11 separately caps partial requests)
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})
GATED_PREFIXES = ("/c/", "/fhir")


class MissLimiter:
    """Per-IP token bucket spent by misses (bad or dead tokens): `burst` at once, then one per `refill_s`."""

    def __init__(self, burst: int = 20, refill_s: float = 3.0, max_clients: int = 4096) -> None:
        self.burst, self.refill_s, self.max_clients = burst, refill_s, max_clients
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}

    def _level(self, ip: str, now: float) -> float:
        level, at = self._buckets.get(ip, (float(self.burst), now))
        return min(float(self.burst), level + (now - at) / self.refill_s)

    def blocked(self, ip: str) -> bool:
        with self._lock:
            return self._level(ip, time.monotonic()) < 1.0

    def retry_after(self, ip: str) -> int:
        """Whole seconds until this address has one miss to spend again (the bucket's own refill, rounded up)."""
        with self._lock:
            missing = 1.0 - self._level(ip, time.monotonic())
        return max(1, math.ceil(missing * self.refill_s)) if missing > 0 else 0

    def miss(self, ip: str) -> None:
        with self._lock:
            now = time.monotonic()
            if len(self._buckets) >= self.max_clients and ip not in self._buckets:
                # Forget full buckets first; an attacker cycling addresses cannot grow this without bound.
                self._buckets = {k: v for k, v in self._buckets.items() if self._level(k, now) < self.burst}
                if len(self._buckets) >= self.max_clients:
                    self._buckets.pop(next(iter(self._buckets)))
            self._buckets[ip] = (max(self._level(ip, now) - 1.0, 0.0), now)


def host_allowed(host_header: str, server_port: int, loopback_only: bool) -> bool:
    """Against DNS rebinding: only names that cannot be re-pointed by someone else's DNS.

    On the loopback bind: 127.0.0.1, localhost or [::1]; on a LAN bind: any IP literal or localhost.
    The port, when given, must be the one we listen on.
    """
    host, _, port = host_header.rpartition(":") if not host_header.endswith("]") else (host_header, "", "")
    if not host:  # no colon: the whole header is the host, default port
        host, port = host_header, ""
    if port and port != str(server_port):
        return False
    host = host.lower()
    if host in LOOPBACK_NAMES:
        return True
    if loopback_only:
        return False
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


ASGIApp = Callable[[dict, Callable, Callable], Awaitable[None]]


class Guard:
    def __init__(self, app: ASGIApp, limiter: MissLimiter, loopback_only: bool) -> None:
        self.app, self.limiter, self.loopback_only = app, limiter, loopback_only

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _refusal(self, scope: dict) -> Response | None:
        path = scope.get("path", "")
        fhir = path.startswith("/fhir")

        def refuse(status: int, code: str, text: str, headers: dict | None = None) -> Response:
            if fhir:
                return Response(outcome(code, text), status, headers=headers, media_type=FHIR_JSON)
            return PlainTextResponse(text, status, headers=headers)

        if scope["method"] not in ("GET", "HEAD"):
            return refuse(405, "not-supported", "Method not allowed: this server is read-only.",
                          {"Allow": "GET, HEAD"})
        if len(scope.get("raw_path", b"")) + len(scope.get("query_string", b"")) > MAX_URL_BYTES:
            return refuse(414, "too-costly", "URL too long.")
        if sum(len(k) + len(v) for k, v in scope["headers"]) > MAX_HEADER_BYTES:
            return refuse(431, "too-costly", "Request headers too large.")
        host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), "")
        server_port = (scope.get("server") or ("", 0))[1]
        if not host_allowed(host, server_port, self.loopback_only):
            return refuse(400, "security", "Unexpected Host header.")
        client = (scope.get("client") or ("unknown", 0))[0]
        if path.startswith(GATED_PREFIXES) and self.limiter.blocked(client):
            return refuse(429, "throttled", "Too many failed requests; try again later.",
                          {"Retry-After": str(self.limiter.retry_after(client))})
        return None
