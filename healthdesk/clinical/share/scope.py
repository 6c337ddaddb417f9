"""From a presented token to the data a link may show: resolution, strict scoping, and a short-lived cache.

Resolution (clinical.md §1.7): shape check, HMAC, lookup by hash, constant-time re-check, revoked/expired
check - every failure is the same `None`. It runs on every request through a fresh read-only connection,
so a revocation takes effect on the very next request. The scoped `ReportData` is the clinical export's own
snapshot restricted to the link's window and sections (lead-in days dropped, so not even a baseline leans
on data outside the window); it and what is rendered from it are cached for `CACHE_SECONDS` per link.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from healthdesk.clinical.loader import load_report_data
from healthdesk.clinical.report_data import ALL_SECTIONS, InvalidPeriod, Period, ReportData
from healthdesk.clinical.share.tokens import hash_matches, is_well_formed, token_hash
from healthdesk.store.share import ReadOnlyStore, ShareLink

CACHE_SECONDS = 30.0
CACHE_LINKS = 16
CACHE_PAGES = 256  # rendered FHIR answers per link snapshot

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


FIRST_YEAR, LAST_YEAR = 2000, 2100  # the range every date input accepts (services/export.py)


class LinkResolver:
    def __init__(self, store: ReadOnlyStore, key: bytes, clock: Clock = utc_now) -> None:
        self._store, self._key, self._clock = store, key, clock

    def resolve(self, token: str | None) -> ShareLink | None:
        """The usable link for `token`, or None for malformed, unknown, revoked and expired alike."""
        if not token or not is_well_formed(token):
            return None
        digest = token_hash(self._key, token)
        link = self._store.link_by_hash(digest)
        if link is None or not hash_matches(self._key, token, link.token_hash):
            return None
        return link if link.usable(self._clock()) and _servable_period(link) else None


def _servable_period(link: ShareLink) -> bool:
    """A link stored before dates were bounded (year 1, 9999, a 10,000-year span) answers the flat 404 like any
    other unusable link, never a 500 on every request (fail closed)."""
    if not (FIRST_YEAR <= link.start.year <= LAST_YEAR and FIRST_YEAR <= link.end.year <= LAST_YEAR):
        return False
    try:
        Period(link.start, link.end, link.timezone)
    except InvalidPeriod:
        return False
    return True


def scoped_report(data: ReportData, link: ShareLink) -> ReportData:
    """Only what lies inside the link's window, only the sections it names (unknown names share nothing)."""
    period = data.period
    series = tuple(replace(s, values=tuple(v for v in s.values if period.contains(v.day)), lead_in=())
                   for s in data.series)
    tz = period.tz
    body = tuple(m for m in data.body if period.contains(m.measured_at.astimezone(tz).date()))
    sections = frozenset(s for s in link.sections if s in ALL_SECTIONS)
    return replace(data, series=series, body=body, sections=sections)


class Snapshot:
    """One link's scoped data plus whatever has been rendered from it (each built once, on first use)."""

    def __init__(self, link: ShareLink, data: ReportData) -> None:
        self.link, self.data = link, data
        self.built = time.monotonic()
        self._lock = threading.Lock()
        self._artifacts: dict[str, object] = {}
        self._pages: OrderedDict[tuple, bytes] = OrderedDict()

    def artifact(self, name: str, build: Callable[[ReportData], object]) -> object:
        with self._lock:
            if name not in self._artifacts:
                self._artifacts[name] = build(self.data)
            return self._artifacts[name]

    def ready(self, name: str) -> object | None:
        """An artifact already built, or None (never builds: safe on the event loop)."""
        with self._lock:
            return self._artifacts.get(name)

    def ready_page(self, key: tuple) -> bytes | None:
        with self._lock:
            return self._pages.get(key)

    def page(self, key: tuple, build: Callable[[], bytes]) -> bytes:
        """A rendered answer for one request shape, kept while the snapshot lives (errors are not kept)."""
        with self._lock:
            cached = self._pages.get(key)
            if cached is not None:
                self._pages.move_to_end(key)
                return cached
        body = build()
        with self._lock:
            self._pages[key] = body
            while len(self._pages) > CACHE_PAGES:
                self._pages.popitem(last=False)
        return body


class SnapshotCache:
    def __init__(self, store: ReadOnlyStore, app_version: str, clock: Clock = utc_now,
                 ttl: float = CACHE_SECONDS) -> None:
        self._store, self._version, self._clock, self._ttl = store, app_version, clock, ttl
        self._lock = threading.Lock()
        self._entries: OrderedDict[int, Snapshot] = OrderedDict()
        self._building: dict[int, threading.Lock] = {}

    def get(self, link: ShareLink) -> Snapshot:
        with self._lock:
            snap = self._fresh(link.id)
            if snap is not None:
                return snap
            gate = self._building.setdefault(link.id, threading.Lock())
        with gate:  # many simultaneous first requests for one link load it once
            with self._lock:
                snap = self._fresh(link.id)
            if snap is None:
                snap = Snapshot(link, self._load(link))
                with self._lock:
                    self._entries[link.id] = snap
                    self._entries.move_to_end(link.id)
                    while len(self._entries) > CACHE_LINKS:
                        self._entries.popitem(last=False)
            return snap

    def fresh(self, link_id: int) -> Snapshot | None:
        """The cached snapshot if still fresh, else None (never loads: safe on the event loop)."""
        with self._lock:
            return self._fresh(link_id)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def _fresh(self, link_id: int) -> Snapshot | None:
        snap = self._entries.get(link_id)
        if snap is not None and time.monotonic() - snap.built < self._ttl:
            return snap
        return None

    def _load(self, link: ShareLink) -> ReportData:
        period = Period(link.start, link.end, link.timezone)
        generated = self._clock().astimezone(period.tz).replace(microsecond=0)
        data = load_report_data(self._store, period, generated_at=generated, app_version=self._version,
                                with_review="review" in link.sections)
        return scoped_report(data, link)
