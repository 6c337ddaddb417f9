"""uvicorn serving the share app from a background thread; no HTTP parsing of our own.

Availability under hostile load (docs/architecture.md, "Share server"): idle sockets must never starve a valid
request. uvicorn's own `limit_concurrency` counts idle connections too (256 idle sockets made every request
503), so it is off; instead a `ConnectionBook` caps open connections per client address and in total. A new
connection beyond a cap takes the slot of the longest-idle connection (one not serving a request); when every
slot is busy the new connection is dropped at once, never queued. `head_timeout` closes a connection that has
not delivered a complete request head in time (slow-loris), `timeout_keep_alive` an idle keep-alive one, h11's
incomplete-event limit refuses oversized heads (400). Access lines carry the path only - token redacted, no
query string - and go to the app's size-capped rotating log. Every response, including uvicorn's own 400,
carries the security headers.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from healthdesk.clinical.share.tokens import install_access_line_filter, install_log_redaction
from healthdesk.clinical.share.views import CSP

log = logging.getLogger("healthdesk.clinical.share")

SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("Cache-Control", "no-store"),
    ("Pragma", "no-cache"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Robots-Tag", "noindex, nofollow"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Content-Security-Policy", CSP),
)
MAX_HEADER_BYTES = 16 * 1024
START_TIMEOUT_S = 10.0


class ShareServerError(Exception):
    """The server could not start (one line for the user)."""


class ConnectionBook:
    """Open connections by client address, oldest first; touched only on the server's event-loop thread."""

    def __init__(self, per_address: int, total: int) -> None:
        self.per_address, self.total = per_address, total
        self._by_address: dict[str, list[HardenedH11Protocol]] = {}
        self._count = 0
        self.dropped = 0  # connections refused because every slot was busy (for tests and the log)

    def admit(self, connection: HardenedH11Protocol, address: str) -> bool:
        mine = self._by_address.setdefault(address, [])
        if len(mine) >= self.per_address and not self._evict_idle(mine):
            return self._drop(address)
        if self._count >= self.total and not self._evict_idle(
                [c for group in self._by_address.values() for c in group]):
            return self._drop(address)
        mine.append(connection)
        self._count += 1
        return True

    def release(self, connection: HardenedH11Protocol, address: str) -> None:
        mine = self._by_address.get(address)
        if mine and connection in mine:
            mine.remove(connection)
            self._count -= 1
            if not mine:
                del self._by_address[address]

    def _evict_idle(self, candidates: list[HardenedH11Protocol]) -> bool:
        idle = [c for c in candidates if not c.serving]
        if not idle:
            return False
        victim = min(idle, key=lambda c: c.idle_since)
        victim.release_slot()
        victim.transport.close()
        return True

    def _drop(self, address: str) -> bool:
        if self.dropped % 1000 == 0:  # one line per thousand, not one per attempt: the log is not a target
            log.warning("share server full: dropping new connections (from %s; %d so far)", address,
                        self.dropped + 1)
        self.dropped += 1
        return False


class HardenedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, plus: a slot in the server's `ConnectionBook` (or an immediate drop), the
    protocol-error 400 with the security headers, and a connection that has not delivered a complete request
    head within `head_timeout` seconds is closed (uvicorn's own keep-alive timer is cancelled by every
    received byte, so a slow-loris client would hold a slot forever).
    """

    head_timeout: float = 5.0
    book: ConnectionBook  # set per server on the subclass ShareServer makes
    _head_deadline: asyncio.TimerHandle | None = None
    _address: str | None = None
    _dropped = False  # refused in connection_made: uvicorn's own state was never set up
    idle_since: float = 0.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        peer = transport.get_extra_info("peername")
        address = str(peer[0]) if peer else "unknown"
        self.idle_since = time.monotonic()
        if not self.book.admit(self, address):
            self._dropped = True
            transport.abort()  # dropped, not queued: no slot is held, no request is read
            return
        self._address = address
        super().connection_made(transport)
        self._arm_head_deadline()

    @property
    def serving(self) -> bool:
        """A request is being answered on this connection (it keeps its slot)."""
        return self.cycle is not None and not self.cycle.response_complete

    def release_slot(self) -> None:
        if self._address is not None:
            self.book.release(self, self._address)
            self._address = None

    def _arm_head_deadline(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
        self._head_deadline = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _head_timed_out(self) -> None:
        if self.cycle is None or self.cycle.response_complete:  # no request being served: a stalled head
            self.transport.close()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self.idle_since = time.monotonic()
        if not self.transport.is_closing():
            self._arm_head_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
        if self._dropped:  # uvicorn never saw this connection
            return
        self.release_slot()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._dropped:
            return
        super().data_received(data)

    def send_400_response(self, msg: str) -> None:
        headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")]
        headers += [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS]
        for event in (h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
                      h11.Data(data=msg.encode("ascii")), h11.EndOfMessage()):
            self.transport.write(self.conn.send(event))
        self.transport.close()


def _descriptor_budget() -> int:
    """Half the process's open-file limit: beyond it accept() fails (EMFILE) and asyncio stops accepting for a
    second - valid requests included - so the book must drop connections before that happens."""
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (ImportError, OSError, ValueError):
        return 256
    return 1 << 30 if soft == resource.RLIM_INFINITY else max(64, soft // 2)


@dataclass(frozen=True)
class ServerOptions:
    host: str = "127.0.0.1"
    port: int = 0  # 0: any free port
    certfile: Path | None = None
    keyfile: Path | None = None
    per_address_connections: int = 256  # above the 200 parallel fetches a clinician's browsers may make
    total_connections: int = 1024
    timeout_keep_alive: int = 5
    max_header_bytes: int = MAX_HEADER_BYTES
    head_timeout: float = 5.0  # seconds for a complete request line + headers (slow-loris)


class ShareServer:
    def __init__(self, app, options: ServerOptions) -> None:
        self.app, self.options = app, options
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self.port: int | None = None

    @property
    def scheme(self) -> str:
        return "https" if self.options.certfile else "http"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        install_log_redaction()
        o = self.options
        family = socket.AF_INET6 if ":" in o.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((o.host, o.port))
        except (OSError, OverflowError) as exc:  # OverflowError: a port outside 0-65535
            sock.close()
            reason = getattr(exc, "strerror", None) or exc
            raise ShareServerError(f"cannot listen on {o.host}:{o.port}: {reason}") from None
        self._sock, self.port = sock, sock.getsockname()[1]
        self.book = ConnectionBook(o.per_address_connections, min(o.total_connections, _descriptor_budget()))
        protocol = type("ShareH11Protocol", (HardenedH11Protocol,), {"head_timeout": o.head_timeout,
                                                                     "book": self.book})
        install_access_line_filter()
        config = uvicorn.Config(
            self.app, loop="asyncio", ws="none", http=protocol, lifespan="off", log_config=None,
            access_log=True, server_header=False, proxy_headers=False, headers=list(SECURITY_HEADERS),
            limit_concurrency=None, timeout_keep_alive=o.timeout_keep_alive,
            h11_max_incomplete_event_size=o.max_header_bytes, timeout_graceful_shutdown=3,
            ssl_certfile=str(o.certfile) if o.certfile else None, ssl_keyfile=str(o.keyfile) if o.keyfile else None,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name="share-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise ShareServerError("the share server did not start (see the log)")
            time.sleep(0.01)
        log.info("share server listening on %s://%s:%d", self.scheme, o.host, self.port)

    def stop(self, timeout: float = 5.0) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        if self._sock is not None:
            self._sock.close()
        self._server = self._thread = self._sock = None
