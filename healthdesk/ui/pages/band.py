"""Band: guided pairing (scan -> pick -> pair), the band's state, the drain with its progress bar, live HR."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QWidget,
)

from healthdesk.ui.charts.live import LiveHeartRateChart
from healthdesk.ui.context import AppContext
from healthdesk.ui.widgets.common import DASH, Card, EmptyState, Page, format_when


def describe_drift(seconds: float, corrected: bool) -> str:
    if abs(seconds) > 10 * 365 * 86400:
        text = "clock was never set"
    elif abs(seconds) < 1:
        text = f"{seconds:+.2f} s"
    elif abs(seconds) < 120:
        text = f"{seconds:+.1f} s"
    else:
        text = f"{seconds / 60:+.0f} min"
    return f"{text} (corrected)" if corrected else text


def describe_rate(done: int, total: int | None, rate: float, eta_s: float | None) -> str:
    parts = [f"{done:,} of {total:,} records" if total else f"{done:,} records"]
    if rate > 0:
        parts.append(f"{rate:,.0f} records/s")
    if eta_s is not None and rate > 0:
        parts.append(f"about {eta_s:.0f} s left" if eta_s < 120 else f"about {eta_s / 60:.0f} min left")
    return "  ·  ".join(parts)


class BandPage(Page):
    data_changed = Signal()  # a drain stored new records
    drain_progressed = Signal(int, int)  # value, maximum of the progress bar
    drain_finished = Signal(object)  # DrainSummary

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Band", parent)
        self.context = context
        self._drain_job: Any = None
        self._live_task: asyncio.Task[Any] | None = None
        self._drain_total: int | None = None

        # --- pairing ---------------------------------------------------------------------------------------
        self.pair_card = Card("Pair your band")
        steps = QLabel("1. Wake the band with a tap and keep it close.   2. Scan.   3. Pick it and pair.")
        steps.setObjectName("muted")
        steps.setWordWrap(True)
        self.pair_card.body.addWidget(steps)
        self.found = QListWidget()
        self.found.setMaximumHeight(110)
        self.pair_card.body.addWidget(self.found)
        row = QHBoxLayout()
        self.scan_button = QPushButton("Scan for bands")
        self.pair_button = QPushButton("Pair")
        self.pair_button.setObjectName("primary")
        self.pair_button.setEnabled(False)
        row.addWidget(self.scan_button)
        row.addWidget(self.pair_button)
        row.addStretch(1)
        self.pair_card.body.addLayout(row)
        self.pair_status = QLabel("")
        self.pair_status.setObjectName("muted")
        self.pair_card.body.addWidget(self.pair_status)
        self.content.addWidget(self.pair_card)

        # --- state + drain ---------------------------------------------------------------------------------
        self.state_card = Card("Your band")
        self.unavailable = EmptyState("")
        self.state_card.body.addWidget(self.unavailable)
        form = QFormLayout()
        self.name_label = QLabel(DASH)
        self.connection_label = QLabel("Not connected")
        self.battery_label = QLabel(DASH)
        self.firmware_label = QLabel(DASH)
        self.drift_label = QLabel(DASH)
        self.waiting_label = QLabel(DASH)
        self.last_sync_label = QLabel(DASH)
        for title, label in (("Band", self.name_label), ("State", self.connection_label),
                             ("Battery", self.battery_label), ("Firmware", self.firmware_label),
                             ("Clock drift", self.drift_label), ("Records waiting", self.waiting_label),
                             ("Last sync", self.last_sync_label)):
            form.addRow(title, label)
        self.state_card.body.addLayout(form)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.progress_text = QLabel(" ")
        self.progress_text.setObjectName("muted")
        self.state_card.body.addWidget(self.progress)
        self.state_card.body.addWidget(self.progress_text)
        # What the last drain or check wants the person to know, one plain sentence per line
        # (docs/band-protocol.md §13); hidden while there is nothing to say.
        self.warnings_label = QLabel("")
        self.warnings_label.setObjectName("bannerText")
        self.warnings_label.setWordWrap(True)
        self.warnings_label.hide()
        self.state_card.body.addWidget(self.warnings_label)
        self.progress.hide()  # shown from the first drain on
        self.progress_text.hide()
        buttons = QHBoxLayout()
        self.sync_button = QPushButton("Sync band now")
        self.sync_button.setObjectName("primary")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.check_button = QPushButton("Check band")
        self.auto_drain = QCheckBox("Sync automatically when the band connects")
        self.auto_drain.setChecked(str(context.settings.value("band/auto_drain", "true")) == "true")
        for widget in (self.sync_button, self.cancel_button, self.check_button):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        buttons.addWidget(self.auto_drain)
        self.state_card.body.addLayout(buttons)
        self.content.addWidget(self.state_card)

        # --- live heart rate -------------------------------------------------------------------------------
        self.live_card = Card("Live heart rate")
        live_row = QHBoxLayout()
        self.live_button = QPushButton("Start live heart rate")
        self.live_button.setCheckable(True)
        self.live_value = QLabel("")
        self.live_value.setObjectName("tileValue")
        live_row.addWidget(self.live_button)
        live_row.addStretch(1)
        live_row.addWidget(self.live_value)
        self.live_card.body.addLayout(live_row)
        self.live_hint = QLabel("Streams the band's heart rate once a second while this is on.")
        self.live_hint.setObjectName("muted")
        self.live_card.body.addWidget(self.live_hint)
        self.live_chart = LiveHeartRateChart()
        self.live_chart.hide()
        self.live_card.body.addWidget(self.live_chart)
        self.content.addWidget(self.live_card)
        self.content.addStretch(1)

        self.scan_button.clicked.connect(self.scan)
        self.found.currentRowChanged.connect(lambda row: self.pair_button.setEnabled(row >= 0 and self._idle))
        self.pair_button.clicked.connect(self.pair_selected)
        self.sync_button.clicked.connect(self.sync_now)
        self.cancel_button.clicked.connect(self.cancel_drain)
        self.check_button.clicked.connect(self.check)
        self.auto_drain.toggled.connect(
            lambda on: context.settings.setValue("band/auto_drain", "true" if on else "false"))
        self.live_button.toggled.connect(self.toggle_live)
        self._idle = True
        self._update_controls()

    # --- state -----------------------------------------------------------------------------------------------
    @property
    def band(self) -> Any:
        return self.context.band

    def refresh(self) -> None:
        self._update_controls()
        paired = self.band.paired if self.band is not None else None
        if paired is not None:
            self.name_label.setText(f"{paired.name}" + ("  (simulated)" if paired.simulated else ""))
            self.firmware_label.setText(paired.firmware or DASH)
        dashboard = self.context.dashboard
        if dashboard is None:
            self.loaded.emit()
            return
        self.context.runner.spawn(self.context.runner.run_blocking(dashboard.last_drain), name="Reading the band",
                                  on_result=self._show_last_drain)

    def _show_last_drain(self, last: datetime | None) -> None:
        self.last_sync_label.setText(format_when(last))
        self.loaded.emit()

    def _update_controls(self) -> None:
        band = self.band
        available = band is not None
        paired = band.paired if available else None
        self.unavailable.setVisible(not available)
        self.unavailable.setText("" if available else "Bluetooth band support is not available in this build.")
        self.pair_card.setVisible(available and (paired is None or self.found.count() > 0))
        self.scan_button.setEnabled(available and self._idle)
        self.pair_button.setEnabled(self._idle and self.found.currentRow() >= 0)
        can_use = available and paired is not None
        self.found.setVisible(self.found.count() > 0)
        self.live_card.setVisible(can_use)
        self.sync_button.setEnabled(can_use and self._idle)
        self.check_button.setEnabled(can_use and self._idle)
        self.live_button.setEnabled(can_use and (self._idle or self.live_button.isChecked()))
        self.cancel_button.setEnabled(self._drain_job is not None)
        if not available:
            self.name_label.setText(DASH)
        elif paired is None:
            self.name_label.setText("No band paired yet")

    def _set_busy(self, state: str | None) -> None:
        self._idle = state is None
        if state is not None:
            self.connection_label.setText(state)
        self._update_controls()

    # --- scan and pair ---------------------------------------------------------------------------------------
    def scan(self) -> None:
        self.found.clear()
        self.pair_status.setText("Scanning\u2026")
        self._set_busy("Scanning")
        self.context.runner.spawn(self._scan(), name="Scanning for bands")

    async def _scan(self) -> list[Any]:
        try:
            found = await self.band.scan()
        finally:
            self._set_busy(None)
        for band in found:
            item = QListWidgetItem(f"{band.name}    signal {band.rssi} dBm    {band.address}")
            item.setData(256, band.address)
            self.found.addItem(item)
        if found:
            self.found.setCurrentRow(0)
        self._update_controls()
        self.pair_status.setText(f"Found {len(found)} band(s)." if found else
                                 "No band found: tap it to wake it, keep it close, and make sure no phone is "
                                 "connected to it.")
        self.connection_label.setText("Not connected")
        return found

    def pair_selected(self) -> None:
        item = self.found.currentItem()
        if item is None:
            return
        address = str(item.data(256))
        self.pair_status.setText("Pairing\u2026")
        self._set_busy("Pairing")
        self.context.runner.spawn(self._pair(address), name="Pairing the band")

    async def _pair(self, address: str) -> None:
        try:
            paired, check = await self.band.pair(address)
        except BaseException:
            self._set_busy(None)
            self.connection_label.setText("Not connected")
            self.pair_status.setText("Pairing failed.")
            raise
        self.found.clear()
        self.pair_status.setText(f"Paired with {paired.name}.")
        self._update_controls()
        self._show_check(check)
        self._set_busy(None)
        self.refresh()
        if self.auto_drain.isChecked():
            self.sync_now()

    def check(self) -> None:
        self._set_busy("Connecting")
        self.context.runner.spawn(self._check(), name="Checking the band")

    async def _check(self) -> None:
        try:
            check = await self.band.check()
        finally:
            self._set_busy(None)
        self._show_check(check)
        if self.auto_drain.isChecked():
            self.sync_now()  # never gated on the band's backlog estimate (docs/band-protocol.md §12.9)

    def _show_check(self, check: Any) -> None:
        self.connection_label.setText(f"Reached {format_when(_utc(check.checked_at))}")
        charging = ", charging" if check.charging else ""
        self.battery_label.setText(f"{check.battery_percent:.0f} %{charging}")
        self.firmware_label.setText(check.firmware)
        self.drift_label.setText(describe_drift(check.clock_drift_s, check.clock_set))
        self.waiting_label.setText(DASH if check.records_waiting is None else f"about {check.records_waiting:,}")
        self.show_warnings(getattr(check, "warnings", ()))

    def show_warnings(self, warnings: Any) -> None:
        lines = [w.message for w in warnings]
        self.warnings_label.setText("\n".join(lines))
        self.warnings_label.setVisible(bool(lines))

    # --- drain -----------------------------------------------------------------------------------------------
    def sync_now(self) -> None:
        if self._drain_job is not None or self.band is None:
            return
        self._drain_total = None
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.show()
        self.progress_text.show()
        self.progress_text.setText("Connecting\u2026")
        self.show_warnings(())
        self._drain_job = self.band.drain_job(self._on_drain_event)
        self._set_busy("Connecting")
        self.context.runner.spawn(self._drain(self._drain_job), name="Syncing the band",
                                  on_result=self._drain_done)

    async def _drain(self, job: Any) -> Any:
        try:
            return await job.run()
        except asyncio.CancelledError:
            self.progress_text.setText("Cancelled: the band keeps everything not yet stored.")
            raise
        finally:
            self._drain_job = None
            self._set_busy(None)

    def cancel_drain(self) -> None:
        if self._drain_job is not None:
            self._drain_job.cancel()

    def _on_drain_event(self, event: Any) -> None:
        s = event.summary
        done = s.records_new + s.records_duplicate
        if event.kind == "connected":
            self.connection_label.setText("Connected, syncing")
            total = event.records_remaining
            self._drain_total = None if total is None else done + total
            self.waiting_label.setText(DASH if total is None else f"{total:,}")
        elif event.kind == "reconnecting":
            self.connection_label.setText("Link lost, reconnecting")
            if event.detail:
                self.progress_text.setText(event.detail)
        if event.kind == "progress" and event.records_remaining is not None:
            self.waiting_label.setText(f"about {event.records_remaining:,} left")
        total = self._drain_total
        if event.kind == "finished":
            total = max(total or 0, done, 1)
            self._drain_total = total
            value = total
        else:
            value = min(done, total) if total else 0
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(max(value, self.progress.value()) if event.kind != "connected" else value)
        else:
            self.progress.setRange(0, 0)  # the band did not say how much it holds: indeterminate
        self.progress_text.setText(describe_rate(done, total, event.rate, event.eta_s))
        self.drain_progressed.emit(self.progress.value(), self.progress.maximum())

    def _drain_done(self, summary: Any) -> None:
        self.connection_label.setText("Synced, disconnected" if summary.complete else "Stopped, disconnected")
        self.waiting_label.setText("0" if summary.complete else DASH)
        self.progress_text.setText(
            f"Stored {summary.records_new:,} new records ({summary.records_duplicate:,} already here) "
            f"in {summary.seconds:.0f} s."
        )
        self.last_sync_label.setText(format_when(_utc(time.time())))
        self.show_warnings(getattr(summary, "warnings", ()))
        self.drain_finished.emit(summary)
        if summary.records_new:
            self.data_changed.emit()

    # --- live heart rate -------------------------------------------------------------------------------------
    def toggle_live(self, on: bool) -> None:
        if on:
            self.live_button.setText("Stop live heart rate")
            self.live_chart.clear()
            self.live_chart.show()
            self.live_hint.hide()
            self._set_busy("Live heart rate")
            self._live_task = self.context.runner.spawn(self._live(), name="Live heart rate", background=True)
        else:
            self.live_button.setText("Start live heart rate")
            if self._live_task is not None:
                self._live_task.cancel()

    async def _live(self) -> None:
        try:
            async for reading in self.band.live_hr():
                self.live_chart.add_reading(reading.bpm, reading.unix)
                self.live_value.setText(f"{reading.bpm} bpm")
        finally:
            self._live_task = None
            self._set_busy(None)
            if self.live_button.isChecked():
                self.live_button.setChecked(False)

    def start_demo(self) -> None:
        """The demo: scan, pick the simulated band and pair (auto-drain follows), exactly as the buttons do."""
        if self.band is None:
            return
        self.auto_drain.setChecked(True)
        if self.band.paired is None:
            self.context.runner.spawn(self._demo_pair(), name="Pairing the demo band")
        else:
            self.check()  # battery, clock drift, records waiting; the auto-drain follows

    async def _demo_pair(self) -> None:
        self._set_busy("Scanning")
        found = await self._scan()
        if not found:
            raise RuntimeError("the demo band did not show up in the scan")
        self.pair_selected()


def _utc(unix: float) -> datetime:
    return datetime.fromtimestamp(unix, UTC)
