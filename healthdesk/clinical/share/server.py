"""uvicorn serving the share app from a background thread; no HTTP parsing of our own.

Limits: `limit_concurrency` caps open connections/tasks (503 beyond it), `timeout_keep_alive` drops idle
connections, `head_timeout` drops connections that dribble a request head (slow-loris), h11's
incomplete-event limit refuses oversized request lines and headers (400). Every
response, including uvicorn's own 400/503, carries the security headers.
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

from healthdesk.clinical.share.tokens import install_log_redaction
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


class HardenedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, plus: the protocol-error 400 carries the security headers, and a connection
    that has not delivered a complete request head within `head_timeout` seconds is closed (uvicorn's own
    keep-alive timer is cancelled by every received byte, so a slow-loris client would hold a slot forever).
    """

    head_timeout: float = 10.0
    _head_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_deadline()

    def _arm_head_deadline(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
        self._head_deadline = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _head_timed_out(self) -> None:
        if self.cycle is None or self.cycle.response_complete:  # no request being served: a stalled head
            self.transport.close()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_head_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")]
        headers += [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS]
        for event in (h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
                      h11.Data(data=msg.encode("ascii")), h11.EndOfMessage()):
            self.transport.write(self.conn.send(event))
        self.transport.close()


@dataclass(frozen=True)
class ServerOptions:
    host: str = "127.0.0.1"
    port: int = 0  # 0: any free port
    certfile: Path | None = None
    keyfile: Path | None = None
    limit_concurrency: int = 256
    timeout_keep_alive: int = 5
    max_header_bytes: int = MAX_HEADER_BYTES
    head_timeout: float = 10.0  # seconds for a complete request line + headers (slow-loris)


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
        except OSError as exc:
            sock.close()
            raise ShareServerError(f"cannot listen on {o.host}:{o.port}: {exc.strerror or exc}") from None
        self._sock, self.port = sock, sock.getsockname()[1]
        config = uvicorn.Config(
            self.app, loop="asyncio", ws="none",
            http=type("ShareH11Protocol", (HardenedH11Protocol,), {"head_timeout": o.head_timeout}), lifespan="off", log_config=None,
            access_log=True, server_header=False, proxy_headers=False, headers=list(SECURITY_HEADERS),
            limit_concurrency=o.limit_concurrency, timeout_keep_alive=o.timeout_keep_alive,
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
