"""Share & export: one period and set of sections, saved as a PDF report or FHIR bundle, or shared as a
link.

The heavy stacks (reportlab for the report, starlette/uvicorn/keyring for sharing) are imported on worker
threads, and the share service (which reads the keyring) is opened only when the page is first shown, so
neither slows the app's start nor asks to unlock a keyring the user never needed. The service is closed
(server stopped) when the task runner shuts down, which the app and the test fixtures do before closing the
window.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable, Coroutine
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

from PySide6.QtCore import QDate, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QWidget,
)

from healthdesk.config import Paths
from healthdesk.ui.context import AppContext
from healthdesk.ui.widgets.common import Card, Page

SECTION_LABELS = {
    "vitals": "Vital signs",
    "sleep": "Sleep",
    "workouts": "Workouts",
    "wellness": "Wellness scores (not a diagnosis)",
}  # services.export.SECTIONS, in that order
PRESETS = (("30 d", 30), ("90 d", 90), ("1 y", 365))
PREVIEW_DELAY_MS = 350  # editing a date fires per keystroke; count pages once the user pauses
FILE_FILTERS = {"pdf": "PDF report (*.pdf)", "fhir": "FHIR R4 bundle (*.json)"}


async def load_module(name: str) -> ModuleType:
    """Import a heavy module on a worker thread (later imports of it are free on the UI thread)."""
    return await asyncio.to_thread(importlib.import_module, name)


def spawn_unless_closing(runner: Any, coro: Coroutine[Any, Any, Any], **kwargs: Any) -> None:
    """For work started by timers and show events, which can fire after the runner shut down (app closing)."""
    try:
        runner.spawn(coro, **kwargs)
    except RuntimeError:  # the runner is shut down; spawn already closed the coroutine
        pass


def app_paths(context: AppContext) -> Paths:
    """The app's folders: data in data_dir, config beside settings.json (data_dir itself in tests)."""
    config_dir = context.settings_file.parent if context.settings_file else context.data_dir
    return Paths(context.data_dir, config_dir, context.data_dir / "logs")


def to_qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def paired_firmware(paths: Paths) -> dict[str, str]:
    """The paired band's firmware for the report's device line (blocking; none when unknown)."""
    from healthdesk.services.pairing import load_paired_band

    try:
        band = load_paired_band(paths)
    except ValueError:
        return {}
    return {band.name: band.firmware} if band and band.firmware else {}


class PeriodCard(Card):
    """The period (inclusive local days) and the sections, shared by the export and the share link."""

    changed = Signal()

    def __init__(self, today: date, parent: QWidget | None = None) -> None:
        super().__init__("Period and contents", parent)
        self.today = today
        row = QHBoxLayout()
        self.start = QDateEdit()
        self.end = QDateEdit()
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setMaximumDate(to_qdate(today))
            edit.dateChanged.connect(self.changed)
        row.addWidget(QLabel("From"))
        row.addWidget(self.start)
        row.addWidget(QLabel("to"))
        row.addWidget(self.end)
        row.addSpacing(12)
        self.preset_buttons: dict[int, QPushButton] = {}
        for text, days in PRESETS:
            button = QPushButton(text)
            button.setObjectName("rangeButton")
            button.setToolTip(f"The last {days} days, today included")
            button.clicked.connect(lambda _=False, d=days: self.choose_last(d))
            self.preset_buttons[days] = button
            row.addWidget(button)
        row.addStretch(1)
        self.body.addLayout(row)
        sections = QHBoxLayout()
        self.section_boxes: dict[str, QCheckBox] = {}
        for key, label in SECTION_LABELS.items():
            box = QCheckBox(label)
            box.setChecked(True)
            box.toggled.connect(self.changed)
            self.section_boxes[key] = box
            sections.addWidget(box)
        sections.addStretch(1)
        self.body.addLayout(sections)
        self.choose_last(30)

    def set_today(self, today: date) -> None:
        self.today = today
        for edit in (self.start, self.end):
            edit.setMaximumDate(to_qdate(today))

    def choose_last(self, days: int) -> None:
        self.start.setDate(to_qdate(self.today - timedelta(days=days - 1)))
        self.end.setDate(to_qdate(self.today))

    def set_period(self, start: date, end: date) -> None:
        self.start.setDate(to_qdate(start))
        self.end.setDate(to_qdate(end))

    def period(self) -> tuple[date, date]:
        return self.start.date().toPython(), self.end.date().toPython()  # type: ignore[return-value]

    def sections(self) -> frozenset[str]:
        return frozenset(key for key, box in self.section_boxes.items() if box.isChecked())


def ask_save_path(parent: QWidget, kind: str, suggested: Path) -> Path | None:
    caption = "Save PDF report" if kind == "pdf" else "Save FHIR bundle"
    chosen, _ = QFileDialog.getSaveFileName(parent, caption, str(suggested), FILE_FILTERS[kind])
    if not chosen:
        return None
    path = Path(chosen)
    return path if path.suffix else path.with_suffix(".pdf" if kind == "pdf" else ".json")


def say(label: QLabel, text: str) -> None:
    """Set a status line; an empty one takes no room."""
    label.setText(text)
    label.setVisible(bool(text))


def describe_result(result: Any) -> str:
    if result.pages is not None:
        return f"Saved {result.path.name}, {result.pages} page{'s' if result.pages != 1 else ''}"
    return f"Saved {result.path.name}, {result.entries} entries"


class ExportCard(Card):
    """Page-count preview, Save PDF… / Save FHIR bundle…, a busy bar and a one-line outcome."""

    exported = Signal(str)  # the one-line outcome, success or failure
    preview_changed = Signal(str)

    def __init__(
        self, context: AppContext, paths: Paths, period: PeriodCard, parent: QWidget | None = None
    ) -> None:
        super().__init__("Export for a clinician", parent)
        self.context, self.paths, self.period = context, paths, period
        # Seams: tests choose the file and pin the report time instead of a dialog and the clock.
        self.choose_path: Callable[[str, Path], Path | None] = lambda kind, p: ask_save_path(self, kind, p)
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC).replace(microsecond=0)
        self._preview_generation = 0
        self._exporting = False
        intro = QLabel(
            "A PDF a clinician reads in a minute, or a FHIR R4 bundle their record system imports. "
            "Band and WHOOP-cloud values stay separate; wellness scores are marked as not a diagnosis."
        )
        intro.setObjectName("muted")
        intro.setWordWrap(True)
        self.body.addWidget(intro)
        self.preview = QLabel("")
        self.body.addWidget(self.preview)
        row = QHBoxLayout()
        self.pdf_button = QPushButton("Save PDF\u2026")
        self.pdf_button.setObjectName("primary")
        self.fhir_button = QPushButton("Save FHIR bundle\u2026")
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # indeterminate: the export reports no steps
        self.busy.setMaximumWidth(160)
        self.busy.setTextVisible(False)
        self.busy.hide()
        row.addWidget(self.pdf_button)
        row.addWidget(self.fhir_button)
        row.addWidget(self.busy)
        row.addStretch(1)
        self.body.addLayout(row)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.detail = QLabel("")
        self.detail.setObjectName("muted")
        self.detail.setWordWrap(True)
        self.body.addWidget(self.status)
        self.body.addWidget(self.detail)
        self.status.hide()  # empty status lines take no room
        self.detail.hide()
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self._start_preview)
        period.changed.connect(self.schedule_preview)
        self.pdf_button.clicked.connect(lambda: self.save("pdf"))
        self.fhir_button.clicked.connect(lambda: self.save("fhir"))

    # --- preview ---------------------------------------------------------------------------------------
    def schedule_preview(self, *, quiet: bool = False) -> None:
        """Recount after a pause; `quiet` keeps the shown count until the new one is in (same choice)."""
        self._preview_generation += 1  # a result for an older choice is dropped
        if not quiet or not self.preview.text():
            self.preview.setText("Counting pages\u2026")
        self._preview_timer.start()

    def _start_preview(self) -> None:
        spawn_unless_closing(
            self.context.runner, self._preview(self._preview_generation), name="Counting report pages"
        )

    async def _preview(self, generation: int) -> None:
        export = await load_module("healthdesk.services.export")
        start, end = self.period.period()
        request = export.ExportRequest(
            kind="pdf",
            start=start,
            end=end,
            out=Path("preview.pdf"),
            sections=self.period.sections() or frozenset(SECTION_LABELS),
        )
        try:
            pages = await export.preview_pages_async(self.paths.database, request)
            text = f"The PDF will be about {pages} page{'s' if pages != 1 else ''}."
        except export.ExportError as exc:
            text = f"No preview: {exc}"
        if generation == self._preview_generation:
            self.preview.setText(text)
            self.preview_changed.emit(text)

    # --- export ----------------------------------------------------------------------------------------
    def save(self, kind: str) -> None:
        if self._exporting:
            return
        start, end = self.period.period()
        suffix = "pdf" if kind == "pdf" else "json"
        folder = Path(str(self.context.settings.value("share/export_dir", str(Path.home()))))
        target = self.choose_path(kind, folder / f"healthdesk-{start}-to-{end}.{suffix}")
        if target is None:
            return
        self.context.settings.setValue("share/export_dir", str(target.parent))
        self._set_busy(True, f"Saving {target.name}\u2026")
        sections = self.period.sections()  # as chosen at the click, whatever is ticked while it runs
        self.context.runner.spawn(self._export(kind, target, start, end, sections), name="Exporting")

    def _set_busy(self, busy: bool, message: str) -> None:
        self._exporting = busy
        self.busy.setVisible(busy)
        self.pdf_button.setEnabled(not busy)
        self.fhir_button.setEnabled(not busy)
        say(self.status, message)
        if busy:
            say(self.detail, "")

    async def _export(
        self, kind: str, target: Path, start: date, end: date, sections: frozenset[str]
    ) -> None:
        outcome = ""
        try:
            export = await load_module("healthdesk.services.export")
            firmware = await asyncio.to_thread(paired_firmware, self.paths)
            request = export.ExportRequest(
                kind=kind,
                start=start,
                end=end,
                out=target,
                generated_at=self.clock(),
                sections=sections,
                band_firmware=firmware,
            )
            try:
                result = await export.export_async(self.paths.database, request)
            except export.ExportError as exc:
                outcome = f"Not saved: {exc}"
            else:
                outcome = describe_result(result)
                say(self.detail, f"{result.path}  \u00b7  coverage: {result.coverage_text}")
        finally:
            self._exporting = False
            self.busy.hide()
            self.pdf_button.setEnabled(True)
            self.fhir_button.setEnabled(True)
            say(self.status, outcome or "Not saved.")  # an unexpected failure: the banner has the reason
        self.exported.emit(outcome)


class SharePage(Page):
    access_seen = Signal(object)  # AccessEvent, emitted on the share server's worker thread (queued to us)

    def __init__(
        self, context: AppContext, parent: QWidget | None = None, *, today: date | None = None
    ) -> None:
        super().__init__("Share & export", parent)
        from healthdesk.ui.pages.share_links import ShareSection

        self.context = context
        self.paths = app_paths(context)
        self._service: Any = None
        self._opening: asyncio.Future[Any] | None = None
        self.period = PeriodCard(today or date.today())
        self.export = ExportCard(context, self.paths, self.period)
        self.share = ShareSection(self)
        self.content.addWidget(self.period)
        self.content.addWidget(self.export)
        self.content.addWidget(self.share)
        self.content.addStretch(1)

    # --- the share service: opened on first show, closed when the runner shuts down --------------------
    async def service(self) -> Any:
        """The ShareService, opened on first use (keyring and database on a worker thread)."""
        if self._service is not None:
            return self._service
        if self._opening is None or self._opening.done():  # done without a service: it failed, try again
            self._opening = asyncio.ensure_future(self._open_service())
        return await asyncio.shield(self._opening)

    async def _open_service(self) -> Any:
        share = await load_module("healthdesk.services.share")

        def open_blocking() -> Any:
            service = share.ShareService(self.paths.database, self.paths.config_dir)
            try:
                service.list_links()  # opens (and migrates) the database here, not in two threads at once
            except BaseException:
                service.close()
                raise
            return service

        service = await asyncio.to_thread(open_blocking)
        try:
            keeper = self.context.runner.spawn(
                self._close_at_shutdown(service), name="Share service", background=True
            )
        except RuntimeError:  # the app is already shutting down
            await asyncio.to_thread(service.close)
            raise
        # A task cancelled before its first step never enters its `finally`: close here then (idempotent).
        keeper.add_done_callback(lambda _: self._close_if_open(service))
        service.add_access_listener(self.access_seen.emit)
        self._service = service
        return service

    async def _close_at_shutdown(self, service: Any) -> None:
        try:
            await asyncio.get_running_loop().create_future()  # until the runner cancels it
        finally:
            self._service = None
            await asyncio.to_thread(service.close)  # stops the server and frees its port

    def _close_if_open(self, service: Any) -> None:
        if self._service is service:
            self._service = None
            service.close()

    @property
    def service_open(self) -> bool:
        return self._service is not None

    # --- loading ---------------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.export.schedule_preview(quiet=True)
        if self.isVisible() or self._service is not None:
            self.share.reload()
        else:  # not on screen yet: only warm the import, the keyring is read when the page is shown
            spawn_unless_closing(
                self.context.runner,
                load_module("healthdesk.services.share"),
                name="Loading sharing",
                on_result=lambda _: self.loaded.emit(),
            )

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.period.set_today(date.today())  # the app may have run past midnight
        self.export.schedule_preview(quiet=True)  # data may have come in (drains do not refresh this page)
        if self._service is None and self._opening is None:
            self.share.reload()
