"""Share links and the local share server, for the app's Share page and the CLI (Qt-free).

    service = ShareService(paths.database, paths.config_dir)
    created = service.create_link(LinkRequest("Dr. Weber", date(2026, 10, 1), date(2026, 10, 31),
                                              frozenset({"vitals", "sleep"}), fhir=True))
    created.url            # shown ONCE; only its HMAC is stored
    service.start_server() # 127.0.0.1 by default; host="0.0.0.0" is the LAN opt-in, HTTPS only (tls=True)
    service.add_access_listener(fn)  # fn(AccessEvent) from a worker thread: marshal to the UI thread
    service.revoke(link_id)          # the next request already gets the flat 404

The HMAC key lives in the OS keyring (healthdesk/os_keyring.py); without a usable keyring it is kept in memory
for this run only (`key_warning` says so): a link is then minted only while this process serves it (`share
serve --create`, the app's sharing toggle), and `list_links` shows links whose key is gone as 'unusable'.
LAN sharing is HTTPS only, with a leaf self-signed certificate whose fingerprint goes with the link.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import queue
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from healthdesk import __version__
from healthdesk.clinical.report_data import ALL_SECTIONS, InvalidPeriod, Period
from healthdesk.clinical.share.guard import MissLimiter
from healthdesk.clinical.share.routes import AccessEvent, ShareContext, build_app
from healthdesk.clinical.share.scope import LinkResolver, SnapshotCache
from healthdesk.clinical.share.server import ServerOptions, ShareServer, ShareServerError
from healthdesk.clinical.share.tls import ensure_certificate
from healthdesk.clinical.share.tokens import mint_token, new_key, token_hash
from healthdesk.os_keyring import KeyringUnavailable, read_secret, write_secret
from healthdesk.private_files import write_private_bytes
from healthdesk.services.export import local_timezone_name
from healthdesk.store.database import Database, StoreError, open_database
from healthdesk.store.share import (
    NewLink,
    ReadOnlyStore,
    ShareLink,
    get_link,
    insert_link,
    list_links,
    record_access,
    revoke_link,
)
from healthdesk.store.share_keys import key_ids, record_key

log = logging.getLogger(__name__)

KEY_NAME = "share:hmac_key"
DEFAULT_PORT = 47811
DEFAULT_EXPIRY_DAYS = 7
MAX_EXPIRY_DAYS = 90
MAX_LABEL = 200
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)  # the range any date input accepts
NO_KEYRING_WARNING = ("no usable system keyring: the share-link key is kept in memory for this run only; "
                      "links created now stop working when healthdesk exits")
NO_KEYRING_REFUSAL = ("no usable system keyring, so a link made now could never be opened once this command "
                      "ends; create it where it is served: 'healthdesk-cli share serve --create ...' or the "
                      "app's sharing switch")
LAN_WARNING = ("LAN sharing is on: anyone on this network who has a link can open it. Check the certificate "
               "fingerprint with the clinician, keep expiry short, and stop sharing when done.")
LAN_NEEDS_TLS = ("sharing on the local network needs TLS (plain HTTP can be read by others on the same Wi-Fi): "
                 "add --tls, or keep the default 127.0.0.1")
UNUSABLE = "unusable"  # a link status: minted under a key this install no longer has (no keyring back then)
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")
_MEMORY_KEY: bytes | None = None  # per process, when there is no keyring

__all__ = ["AccessEvent", "CreatedLink", "LinkInfo", "LinkRequest", "ServerInfo", "ShareError", "ShareService",
           "DEFAULT_PORT", "LAN_WARNING", "qr_png", "qr_svg"]


class ShareError(Exception):
    """A one-line, user-actionable reason."""


@dataclass(frozen=True)
class LinkRequest:
    label: str
    start: date
    end: date
    sections: frozenset[str]
    fhir: bool = False
    expires_days: int = DEFAULT_EXPIRY_DAYS
    timezone: str | None = None  # the computer's zone when None


@dataclass(frozen=True)
class LinkInfo:
    """A link as the Share page lists it (never the token)."""

    id: int
    label: str
    start: date
    end: date
    sections: tuple[str, ...]
    fhir: bool
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    status: str  # 'active' | 'expired' | 'revoked' | 'unusable' (its key is gone: it can never open)
    access_count: int
    last_access_at: datetime | None

    def to_json(self) -> dict:
        def t(v: datetime | None) -> str | None:
            return v.isoformat(timespec="seconds") if v else None
        return {"id": self.id, "label": self.label, "from": self.start.isoformat(), "to": self.end.isoformat(),
                "sections": list(self.sections), "fhir": self.fhir, "created_at": t(self.created_at),
                "expires_at": t(self.expires_at), "revoked_at": t(self.revoked_at), "status": self.status,
                "access_count": self.access_count, "last_access_at": t(self.last_access_at)}


@dataclass(frozen=True)
class CreatedLink:
    info: LinkInfo
    token: str  # show once, never store
    url: str  # the clinician view
    fhir_base: str | None  # with 'Authorization: Bearer <token>'
    tls_fingerprint: str | None = None  # SHA-256 of the server certificate, for an https link


@dataclass(frozen=True)
class ServerInfo:
    base_url: str
    host: str
    port: int
    lan: bool
    tls_fingerprint: str | None
    warning: str | None


def _info(link: ShareLink, now: datetime, usable: bool = True) -> LinkInfo:
    status = link.status(now)
    if status == "active" and not usable:
        status = UNUSABLE
    shared = tuple(s for s in ALL_SECTIONS if s in link.sections)
    return LinkInfo(link.id, link.label, link.start, link.end, shared,
                    link.fhir, link.created_at, link.expires_at, link.revoked_at, status,
                    link.access_count, link.last_access_at)


def key_id(key: bytes) -> str:
    """A public name for a key (not the key): which links it can serve."""
    return hmac.new(key, b"healthdesk share key id", hashlib.sha256).hexdigest()[:32]


def load_key() -> tuple[bytes, str | None]:
    """The per-install HMAC key from the keyring (created on first use), or a per-process key + warning."""
    global _MEMORY_KEY
    try:
        stored = read_secret(KEY_NAME)
        if stored:
            return bytes.fromhex(stored), None
        key = new_key()
        write_secret(KEY_NAME, key.hex())
        return key, None
    except (KeyringUnavailable, ValueError) as exc:
        reason = str(exc) or type(exc).__name__
    log.warning("keyring unavailable (%s); share-link key kept in memory for this run", reason)
    if _MEMORY_KEY is None:
        _MEMORY_KEY = new_key()
    return _MEMORY_KEY, NO_KEYRING_WARNING


def lan_address() -> str:
    """This computer's address on the LAN (no packet is sent), or loopback when there is none."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))
            return s.getsockname()[0]
        except OSError:
            return "127.0.0.1"


class ShareService:
    def __init__(self, database: Path, config_dir: Path, *, key: bytes | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.database, self.config_dir, self._clock = Path(database), Path(config_dir), clock
        if key is None:
            key, self.key_warning = load_key()
        else:
            self.key_warning = None
        self._key = key
        self._key_id = key_id(key)
        self._db: Database | None = None
        self._server: ShareServer | None = None
        self._ro: ReadOnlyStore | None = None
        self.server_info: ServerInfo | None = None
        self._listeners: list[Callable[[AccessEvent], None]] = []
        self._events: queue.Queue[AccessEvent | None] = queue.Queue()
        self._worker: threading.Thread | None = None

    # -- links -------------------------------------------------------------------------------------------
    def _open(self) -> Database:
        if self._db is None:
            try:
                self._db = open_database(self.database)
            except StoreError as exc:
                raise ShareError(str(exc)) from None
        return self._db

    def create_link(self, request: LinkRequest, base_url: str | None = None) -> CreatedLink:
        label = " ".join(request.label.split())[:MAX_LABEL]
        if not label:
            raise ShareError("give the link a label (e.g. the clinician's name)")
        sections = frozenset(request.sections)
        if not sections or not sections <= set(ALL_SECTIONS):
            raise ShareError(f"choose sections from {', '.join(ALL_SECTIONS)}")
        if not 1 <= request.expires_days <= MAX_EXPIRY_DAYS:
            raise ShareError(f"expiry must be between 1 and {MAX_EXPIRY_DAYS} days")
        for day in (request.start, request.end):
            if not FIRST_DAY <= day <= LAST_DAY:
                raise ShareError(f"dates must be between {FIRST_DAY} and {LAST_DAY}, got {day}")
        if self.key_warning and not self.running:
            raise ShareError(NO_KEYRING_REFUSAL)
        try:
            period = Period(request.start, request.end, request.timezone or local_timezone_name())
        except InvalidPeriod as exc:
            raise ShareError(str(exc)) from None
        now = self._clock().replace(microsecond=0)
        token = mint_token()
        with self._open().write() as conn:
            link_id = insert_link(conn, NewLink(label, period.start, period.end, period.timezone, sections,
                                                request.fhir, now, now + timedelta(days=request.expires_days),
                                                token_hash(self._key, token)))
            record_key(conn, link_id, self._key_id)
            link = get_link(conn, link_id)
        assert link is not None
        log.info("share link %d created (%s to %s, sections %s, fhir %s)", link.id, link.start, link.end,
                 ",".join(sorted(sections)), link.fhir)
        base = base_url or (self.server_info.base_url if self.server_info else f"http://127.0.0.1:{DEFAULT_PORT}")
        fingerprint = None
        if base.startswith("https://"):
            fingerprint = (self.server_info.tls_fingerprint if self.server_info and base_url is None
                           else self.certificate_fingerprint(urlsplit(base).hostname or "127.0.0.1"))
        return CreatedLink(_info(link, now), token, f"{base}/c/{token}", f"{base}/fhir" if link.fhir else None,
                           fingerprint)

    def certificate_fingerprint(self, host: str) -> str:
        """The SHA-256 fingerprint of the certificate the server uses for `host` (made now if needed)."""
        return ensure_certificate(self.config_dir / "share-tls", sorted({host, "127.0.0.1", "localhost"}))[2]

    def list_links(self) -> list[LinkInfo]:
        now = self._clock()
        with self._open().read() as conn:
            minted_under = key_ids(conn)
            return [_info(link, now, minted_under.get(link.id, self._key_id) == self._key_id)
                    for link in list_links(conn)]

    def revoke(self, link_id: int) -> LinkInfo:
        with self._open().write() as conn:
            link = revoke_link(conn, link_id, self._clock())
        if link is None:
            raise ShareError(f"no share link with id {link_id}")
        log.info("share link %d revoked", link_id)
        return _info(link, self._clock())

    # -- server ------------------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._server is not None and self._server.running

    def add_access_listener(self, listener: Callable[[AccessEvent], None]) -> None:
        """Called from a worker thread after the access is counted; never blocks a request."""
        self._listeners.append(listener)

    def start_server(self, host: str = "127.0.0.1", port: int = DEFAULT_PORT, tls: bool = False,
                     limiter: MissLimiter | None = None, per_address_connections: int = 256) -> ServerInfo:
        if self.running:
            raise ShareError("the share server is already running")
        loopback = host in LOOPBACK_HOSTS
        if not loopback and not tls:
            raise ShareError(LAN_NEEDS_TLS)
        self._open()  # migrated, so share_links exists for the read-only connections
        if host == "localhost":
            host = "127.0.0.1"
        shown = lan_address() if host in ("0.0.0.0", "::") else host
        cert = key = fingerprint = None
        if tls:
            cert, key, fingerprint = ensure_certificate(self.config_dir / "share-tls",
                                                        sorted({shown, "127.0.0.1", "localhost"}))
        self._ro = ReadOnlyStore(self.database)
        ctx = ShareContext(
            resolver=LinkResolver(self._ro, self._key, self._clock),
            cache=SnapshotCache(self._ro, __version__, self._clock), app_version=__version__,
            limiter=limiter or MissLimiter(), loopback_only=loopback, on_access=self._events.put,
            clock=self._clock)
        server = ShareServer(build_app(ctx), ServerOptions(host=host, port=port, certfile=cert, keyfile=key,
                                                           per_address_connections=per_address_connections))
        try:
            server.start()
        except ShareServerError as exc:
            self._ro.close()
            raise ShareError(str(exc)) from None
        self._server = server
        self._worker = threading.Thread(target=self._count_accesses, name="share-access", daemon=True)
        self._worker.start()
        shown_host = f"[{shown}]" if ":" in shown else shown
        self.server_info = ServerInfo(f"{server.scheme}://{shown_host}:{server.port}", host, server.port,
                                      not loopback, fingerprint, None if loopback else LAN_WARNING)
        if not loopback:
            log.warning("share server bound to %s (LAN): %s", host, LAN_WARNING)
        return self.server_info

    def stop_server(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._worker is not None:
            self._events.put(None)
            self._worker.join(5)
            self._worker = None
        if self._ro is not None:
            self._ro.close()
            self._ro = None
        self.server_info = None

    def close(self) -> None:
        self.stop_server()
        if self._db is not None:
            self._db.close()
            self._db = None

    def _count_accesses(self) -> None:
        """Coalesce access events into one write per burst; counters are best effort."""
        while True:
            event = self._events.get()
            batch = [event]
            while not self._events.empty():
                batch.append(self._events.get_nowait())
            done = None in batch
            events = [e for e in batch if e is not None]
            if events:
                try:
                    with self._open().write() as conn:
                        for e in events:
                            record_access(conn, e.link_id, e.at)
                except Exception:  # noqa: BLE001
                    log.exception("share access counters not written")
                for e in events:
                    for listener in list(self._listeners):
                        try:
                            listener(e)
                        except Exception:  # noqa: BLE001
                            log.exception("share access listener failed")
            if done:
                return


def qr_png(text: str, scale: int = 6) -> bytes:
    import segno

    buf = io.BytesIO()
    segno.make(text, error="m").save(buf, kind="png", scale=scale, border=2)
    return buf.getvalue()


def qr_svg(text: str, scale: int = 4) -> str:
    import segno

    buf = io.BytesIO()
    segno.make(text, error="m").save(buf, kind="svg", scale=scale, border=2, xmldecl=False)
    return buf.getvalue().decode("utf-8")


def write_qr_png(path: Path, text: str) -> None:
    """The QR image of a capability URL, written 0600 (it opens the link for whoever reads it)."""
    write_private_bytes(path, qr_png(text))
