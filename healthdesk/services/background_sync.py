"""Keeps the data fresh while healthdesk runs, window open or closed to the tray (docs/architecture.md,
"Background sync and the tray").

- WHOOP cloud: CloudSyncService keeps its own schedule (`start()`); this object only listens to its events.
- Band: every `band_sync_interval_minutes` (settings.json; 0 = off) it checks the paired band. A band that does
  not answer is out of range and is left alone until the next round; one that answers is drained.
- Notices (recovery ready, band battery low, sync failed) go to `notify`; each kind can be switched off in
  settings.json. The UI decides how to show them (the tray's desktop notifications).

Qt-free: the app hands in callables; every blocking read runs on a worker thread.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from healthdesk.services.user_settings import read_settings

if TYPE_CHECKING:
    from healthdesk.services.band_control import BandCheck, BandControl
    from healthdesk.services.cloud_sync import CloudSyncService, SyncEvent
    from healthdesk.services.dashboard import DashboardService

log = logging.getLogger(__name__)

# settings.json keys (services/user_settings.py is their one home; defaults below when a key is absent)
BAND_INTERVAL_KEY = "band_sync_interval_minutes"
NOTIFY_KEYS = {"recovery_ready": "notify_recovery_ready", "battery_low": "notify_band_battery_low",
               "sync_failed": "notify_sync_failed"}
KEEP_IN_TRAY_KEY = "keep_syncing_in_tray"
START_AT_LOGIN_KEY = "start_at_login"
DEFAULT_BAND_INTERVAL_MIN = 60.0
BATTERY_LOW_PERCENT = 20.0
RECENT_DAYS = 1  # a recovery older than yesterday is history, not news
IDLE_POLL_S = 60.0  # with band sync off, how often to look whether the user switched it on


@dataclass(frozen=True)
class BackgroundSettings:
    band_interval_min: float  # 0 = no background band drain
    notify: dict[str, bool]  # notice kind -> shown
    keep_in_tray: bool
    start_at_login: bool


def background_settings(settings_file: Path | None) -> BackgroundSettings:
    """The user's choices; a missing file or key reads as the defaults (everything on, band every hour)."""
    data = read_settings(settings_file) if settings_file else {}

    def flag(key: str, default: bool) -> bool:
        value = data.get(key, default)
        return value if isinstance(value, bool) else default

    interval = data.get(BAND_INTERVAL_KEY, DEFAULT_BAND_INTERVAL_MIN)
    if not isinstance(interval, int | float) or isinstance(interval, bool) or interval < 0:
        interval = DEFAULT_BAND_INTERVAL_MIN
    return BackgroundSettings(
        band_interval_min=float(interval),
        notify={kind: flag(key, True) for kind, key in NOTIFY_KEYS.items()},
        keep_in_tray=flag(KEEP_IN_TRAY_KEY, True),
        start_at_login=flag(START_AT_LOGIN_KEY, False),
    )


@dataclass(frozen=True)
class Notice:
    kind: str  # "recovery_ready" | "battery_low" | "sync_failed"
    title: str
    message: str


class SyncListeners:
    """CloudSyncService has one `on_event` slot; this fans each event out to every listener (the WHOOP page,
    the background sync). A listener that raises is logged and the others still get the event."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[SyncEvent], None]] = []

    def add(self, listener: Callable[[SyncEvent], None]) -> None:
        if listener not in self._listeners:
            self._listeners.append(listener)

    def __call__(self, event: SyncEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("a WHOOP sync listener failed")


def listen_to_cloud(service: CloudSyncService, listener: Callable[[SyncEvent], None]) -> None:
    """Add `listener` to the service's events without taking them from whoever listens already."""
    hub = service.on_event
    if not isinstance(hub, SyncListeners):
        hub = SyncListeners()
        service.on_event = hub
    hub.add(listener)


class BackgroundSync:
    def __init__(self, settings_file: Path | None, dashboard: DashboardService, *,
                 notify: Callable[[Notice], None], data_changed: Callable[[], None],
                 band_busy: Callable[[], bool] = lambda: False, reach_timeout_s: float = 30.0) -> None:
        self.settings_file = settings_file
        self.dashboard = dashboard
        self.notify = notify
        self.data_changed = data_changed
        self.band_busy = band_busy  # the Band page is scanning/draining: skip this round
        self.reach_timeout_s = reach_timeout_s  # a band that has not answered by then is out of range
        self.cloud: CloudSyncService | None = None
        self.band: BandControl | None = None
        self._recovery_seen: date | None = None
        self._battery_warned = False
        self._band_task: asyncio.Task[None] | None = None
        self._band_lock = asyncio.Lock()
        self._checks: set[asyncio.Task[None]] = set()  # strong references: the loop keeps only weak ones

    def settings(self) -> BackgroundSettings:
        return background_settings(self.settings_file)

    def attach(self, *, cloud: CloudSyncService | None = None, band: BandControl | None = None) -> None:
        if cloud is not None and cloud is not self.cloud:
            self.cloud = cloud
            listen_to_cloud(cloud, self._on_cloud_event)
        if band is not None:
            self.band = band

    async def start(self) -> None:
        """Remember the recovery already known (no notice for it), then start the band rounds."""
        self._recovery_seen = await asyncio.to_thread(self._todays_recovery_day)
        if self._band_task is None:
            self._band_task = asyncio.get_running_loop().create_task(self._band_rounds(), name="band-background")

    async def stop(self) -> None:
        if self._band_task is not None:
            self._band_task.cancel()
            try:
                await self._band_task
            except asyncio.CancelledError:
                pass
            self._band_task = None

    # --- notices -------------------------------------------------------------------------------------------
    def _tell(self, notice: Notice) -> None:
        if self.settings().notify.get(notice.kind, True):
            self.notify(notice)

    def _todays_recovery_day(self) -> date | None:
        summary = self.dashboard.today()
        value = summary.values.get("recovery")
        if value is None or value.value is None or value.day is None:
            return None
        return value.day

    async def check_recovery(self) -> None:
        """After new data: a recovery for a day not announced yet is a 'recovery ready' notice."""
        summary = await asyncio.to_thread(self.dashboard.today)
        value = summary.values.get("recovery")
        if value is None or value.value is None or value.day is None:
            return
        if self._recovery_seen is not None and value.day <= self._recovery_seen:
            return
        if value.day < date.today() - timedelta(days=RECENT_DAYS):  # a backfill of old history: nothing "ready"
            return
        self._recovery_seen = value.day
        self._tell(Notice("recovery_ready", "Recovery ready",
                          f"Recovery {value.value:.0f} % for {value.day:%a %d %b}."))

    def _on_cloud_event(self, event: SyncEvent) -> None:
        if event.kind == "failed":
            self._tell(Notice("sync_failed", "WHOOP sync failed", event.error or "The WHOOP sync failed."))
        elif event.kind == "finished" and event.report is not None and any(
            c.new or c.updated or c.deleted for c in event.report.resources.values()
        ):
            task = asyncio.get_running_loop().create_task(self._check_recovery_logged())
            self._checks.add(task)
            task.add_done_callback(self._checks.discard)

    async def _check_recovery_logged(self) -> None:
        try:
            await self.check_recovery()
        except Exception:
            log.exception("reading the new recovery failed")

    async def sync_all(self) -> None:
        """The tray's Sync now: WHOOP (when connected) and the band (when in range), whatever the schedule."""
        cloud = self.cloud
        if cloud is not None:
            status = await asyncio.to_thread(cloud.status)
            if status.get("connected"):
                from healthdesk.cloud.errors import CloudError

                try:
                    await cloud.sync_now()
                except CloudError as exc:  # the failed event already made the notice
                    log.warning("WHOOP sync from the tray failed: %s", exc)
        await self.band_round()

    # --- band ----------------------------------------------------------------------------------------------
    async def _band_rounds(self) -> None:
        while True:
            interval = self.settings().band_interval_min
            if interval <= 0:
                await asyncio.sleep(IDLE_POLL_S)
                continue
            await asyncio.sleep(interval * 60.0)
            try:
                await self.band_round()
            except Exception:
                log.exception("background band round failed")

    async def band_round(self) -> bool:
        """One round: drain the paired band if it answers. True when the band was in range and drained."""
        band = self.band
        if band is None or band.paired is None or self.band_busy() or self._band_lock.locked():
            return False
        async with self._band_lock:
            try:
                check = await asyncio.wait_for(band.check(), self.reach_timeout_s)
            except Exception as exc:  # out of range, switched off, or busy with the phone: try next round
                log.info("background band round: band not reachable (%s)", type(exc).__name__)
                return False
            self._battery(check)
            try:
                summary = await band.drain(lambda _event: None)
            except Exception as exc:
                log.warning("background band drain failed: %s", exc)
                self._tell(Notice("sync_failed", "Band sync failed", str(exc) or type(exc).__name__))
                return False
        if summary.records_new:
            self.data_changed()
            await self.check_recovery()
        return True

    def _battery(self, check: BandCheck) -> None:
        low = check.battery_percent < BATTERY_LOW_PERCENT and not check.charging
        if low and not self._battery_warned:
            self._tell(Notice("battery_low", "Band battery low",
                              f"Your band is at {check.battery_percent:.0f} %. Charge it soon so no night is lost."))
        self._battery_warned = low  # warn once per low spell; charging resets it
