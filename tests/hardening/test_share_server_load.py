"""The share server under hostile load: idle sockets cannot starve a valid link; junk cannot fill the disk."""

from __future__ import annotations

import logging
import socket
import time
from datetime import date

import httpx
import pytest

from healthdesk.clinical.share.guard import MissLimiter
from healthdesk.clinical.share.server import ConnectionBook
from healthdesk.logsetup import PrivateRotatingFileHandler, configure_logging
from healthdesk.services.share import LinkRequest, ShareService
from healthdesk.store.database import open_database

KEY = bytes(range(32))
LOG_CAP = 64 * 1024
LOG_BACKUPS = 2


@pytest.fixture
def service(tmp_path):
    db = tmp_path / "healthdesk.db"
    open_database(db).close()
    svc = ShareService(db, tmp_path, key=KEY)
    yield svc
    svc.close()


def link_request() -> LinkRequest:
    return LinkRequest("Dr. Load", date(2026, 10, 1), date(2026, 10, 7), frozenset({"vitals"}), timezone="UTC")


def test_300_idle_sockets_do_not_keep_a_valid_link_from_answering(service):
    info = service.start_server(port=0)
    link = service.create_link(link_request())
    idle = []
    try:
        for _ in range(300):  # connect and say nothing, as a hostile client would
            idle.append(socket.create_connection(("127.0.0.1", info.port), timeout=5))
        started = time.monotonic()
        answer = httpx.get(link.url, timeout=2.0)
        assert answer.status_code == 200
        assert time.monotonic() - started < 2.0
    finally:
        for s in idle:
            s.close()


@pytest.fixture
def small_log(tmp_path):
    log_file = tmp_path / "logs" / "healthdesk.log"
    log_file.parent.mkdir()
    access = logging.getLogger("uvicorn.access")
    saved = (access.propagate, access.level)
    access.propagate, access.level = True, logging.INFO  # whatever an earlier server in this process set
    assert configure_logging(log_file, program="test", max_bytes=LOG_CAP, backups=LOG_BACKUPS)
    yield log_file
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, PrivateRotatingFileHandler)]:
        root.removeHandler(handler)
        handler.close()
    access.propagate, access.level = saved


def _pipelined(port: int, requests: list[bytes]) -> int:
    """Send all requests on one keep-alive connection at once; the number of responses read back."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(b"".join(requests))
        seen, buffer = 0, b""
        while seen < len(requests):
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            buffer += chunk
            seen += buffer.count(b"HTTP/1.1 ")
            buffer = buffer[-16:] if b"HTTP/1.1 " not in buffer[-16:] else b""
        return seen


def test_10000_junk_requests_leave_the_log_under_its_cap(service, small_log):
    info = service.start_server(port=0, limiter=MissLimiter(burst=5, refill_s=60))
    host = f"Host: 127.0.0.1:{info.port}\r\n".encode()
    secretish = "q" * 1500
    batch = []
    for i in range(500):
        path = f"/c/hds_{i:048x}" if i % 2 else f"/junk/{i}"
        batch.append(f"GET {path}?token={secretish} HTTP/1.1\r\n".encode() + host + b"\r\n")
    answered = sum(_pipelined(info.port, batch) for _ in range(20))
    assert answered == 10_000
    logs = sorted(small_log.parent.glob("healthdesk.log*"))
    assert 1 <= len(logs) <= LOG_BACKUPS + 1  # rotated, a few generations, never more
    sizes = [p.stat().st_size for p in logs]
    assert max(sizes) <= LOG_CAP and sum(sizes) <= LOG_CAP * (LOG_BACKUPS + 1)
    text = "\n".join(p.read_text() for p in logs)
    assert '"GET /junk/' in text and "/c/[redacted]" in text  # access lines were written, path only
    assert "?" not in text and "qqqq" not in text and "hds_0" not in text


class _Connection:
    """Stands in for a protocol in the book's own logic (which slot goes; the server test above is end to end)."""

    def __init__(self, serving: bool, idle_since: float) -> None:
        self.serving, self.idle_since, self.closed = serving, idle_since, False
        self.transport = self
        self.book: ConnectionBook | None = None
        self.address: str | None = None

    def close(self) -> None:
        self.closed = True

    def release_slot(self) -> None:
        if self.book is not None and self.address is not None:
            self.book.release(self, self.address)  # type: ignore[arg-type]
            self.address = None


def _admit(book: ConnectionBook, connection: _Connection, address: str) -> bool:
    connection.book, connection.address = book, address
    ok = book.admit(connection, address)  # type: ignore[arg-type]
    if not ok:
        connection.address = None
    return ok


def test_beyond_the_cap_the_longest_idle_gives_way_and_busy_slots_drop_the_newcomer():
    book = ConnectionBook(per_address=2, total=3)
    busy, idle = _Connection(True, 1.0), _Connection(False, 2.0)
    assert _admit(book, busy, "10.0.0.9") and _admit(book, idle, "10.0.0.9")
    newcomer = _Connection(False, 3.0)
    assert _admit(book, newcomer, "10.0.0.9") and idle.closed and not busy.closed  # idle slot reused
    newcomer.serving = True
    assert not _admit(book, _Connection(False, 4.0), "10.0.0.9")  # every slot busy: dropped, not queued
    assert book.dropped == 1
    other = _Connection(True, 5.0)
    assert _admit(book, other, "10.0.0.7")  # another address has its own slots, up to the total
    assert not _admit(book, _Connection(False, 6.0), "10.0.0.8")  # total reached, nothing idle: dropped


def test_retry_after_is_the_time_the_miss_bucket_needs_to_refill(service):
    info = service.start_server(port=0, limiter=MissLimiter(burst=2, refill_s=0.8))
    with httpx.Client(base_url=info.base_url, timeout=5) as client:
        assert [client.get(f"/c/hds_{i:048x}").status_code for i in range(2)] == [404, 404]
        limited = client.get("/c/hds_" + "f" * 48)
        assert limited.status_code == 429 and limited.headers["retry-after"] == "1"  # ceil(0.8 s)
        time.sleep(float(limited.headers["retry-after"]))
        assert client.get("/c/hds_" + "e" * 48).status_code == 404  # after Retry-After: served again


def test_a_connection_beyond_a_full_book_is_dropped_at_once_and_cleanly(caplog):
    """Real server, one slot per address, the slot busy with a slow answer: the next connection is closed
    without an answer (never queued), nothing is logged as an error, and the slot serves again afterwards."""
    import asyncio

    from healthdesk.clinical.share.server import ServerOptions, ShareServer

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        if scope["path"] == "/slow":
            await asyncio.sleep(1.5)
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"ok"})

    server = ShareServer(app, ServerOptions(port=0, per_address_connections=1))
    server.start()
    try:
        with caplog.at_level(logging.WARNING), socket.create_connection(("127.0.0.1", server.port)) as busy:
            busy.sendall(f"GET /slow HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode())
            time.sleep(0.3)  # the slow request is being served
            started = time.monotonic()
            with socket.create_connection(("127.0.0.1", server.port), timeout=5) as late:
                late.sendall(f"GET /fast HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode())
                try:
                    answer = late.recv(100)
                except ConnectionResetError:
                    answer = b""
            assert answer == b"" and time.monotonic() - started < 1.0  # dropped, not queued behind /slow
            busy.settimeout(5)
            assert busy.recv(100).startswith(b"HTTP/1.1 200")
        assert server.book.dropped == 1
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
        time.sleep(0.1)
        assert httpx.get(f"http://127.0.0.1:{server.port}/fast", timeout=5).text == "ok"
    finally:
        server.stop()
