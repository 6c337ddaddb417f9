"""Share & export: one period and set of sections, saved as a PDF report or FHIR bundle, or shared as a
link.

The heavy stacks (reportlab for the report, starlette/uvicorn/keyring for sharing) are imported on worker
threads, and the app's share service (`context.share`, which reads the keyring) is opened only when the
page is first shown, so
neither slows the app's start nor asks to unlock a keyring the user never needed. The service is closed
(server stopped) when the task runner shuts down, which the app and the test fixtures do before closing the
window.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QWidget,
)

from healthdesk.config import Paths
from healthdesk.ui.context import AppContext
from healthdesk.ui.pages.share_links import ShareSection
from healthdesk.ui.pages.share_table import (
    OFF_BY_DEFAULT,
    SECTION_LABELS,
    PatientCard,
    PeriodCard,
    say,
    spawn_unless_closing,
)
from healthdesk.ui.widgets.common import Card, Page

if TYPE_CHECKING:
    from healthdesk.services.export import ExportResult
    from healthdesk.services.share import ShareService

PREVIEW_DELAY_MS = 350  # editing a date fires per keystroke; count pages once the user pauses
FILE_FILTERS = {"pdf": "PDF report (*.pdf)", "fhir": "FHIR R4 bundle (*.json)"}


def _import_export() -> ModuleType:
    from healthdesk.services import export

    return export


async def export_module() -> ModuleType:
    """services.export (reportlab, SQLAlchemy) imported on a worker thread; later imports of it are free."""
    return await asyncio.to_thread(_import_export)


def paired_firmware(paths: Paths) -> dict[str, str]:
    """The paired band's firmware for the report's device line (blocking; none when unknown)."""
    from healthdesk.services.pairing import load_paired_band

    try:
        band = load_paired_band(paths)
    except ValueError:
        return {}
    return {band.name: band.firmware} if band and band.firmware else {}


def ask_save_path(parent: QWidget, kind: str, suggested: Path) -> Path | None:
    caption = "Save PDF report" if kind == "pdf" else "Save FHIR bundle"
    chosen, _ = QFileDialog.getSaveFileName(parent, caption, str(suggested), FILE_FILTERS[kind])
    if not chosen:
        return None
    path = Path(chosen)
    return path if path.suffix else path.with_suffix(".pdf" if kind == "pdf" else ".json")


def describe_result(result: ExportResult) -> str:
    if result.pages is not None:
        return f"Saved {result.path.name}, {result.pages} page{'s' if result.pages != 1 else ''}"
    return f"Saved {result.path.name}, {result.entries} entries"


class ExportCard(Card):
    """Page-count preview, Save PDF… / Save FHIR bundle…, a busy bar and a one-line outcome."""

    exported = Signal(str)  # the one-line outcome, success or failure
    preview_changed = Signal(str)

    def __init__(
        self, context: AppContext, period: PeriodCard, patient: PatientCard, parent: QWidget | None = None
    ) -> None:
        super().__init__("Export for a clinician", parent)
        self.context, self.paths, self.period, self.patient = context, context.paths, period, patient
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
        export = await export_module()
        start, end = self.period.period()
        request = export.ExportRequest(
            kind="pdf",
            start=start,
            end=end,
            out=Path("preview.pdf"),
            sections=self.period.sections() or frozenset(SECTION_LABELS) - OFF_BY_DEFAULT,
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
            export = await export_module()
            name, born = self.patient.patient()
            firmware = await asyncio.to_thread(paired_firmware, self.paths)
            request = export.ExportRequest(
                kind=kind,
                start=start,
                end=end,
                out=target,
                generated_at=self.clock(),
                sections=sections,
                band_firmware=firmware,
                patient=export.PatientInfo(name=name, birth_date=born),
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
        self.context = context
        self.paths = context.paths
        self._service: ShareService | None = None
        self._opening: asyncio.Future[ShareService] | None = None
        day = today or date.today()
        self.period = PeriodCard(day)
        self.patient = PatientCard(self.paths.settings_file, day)
        self.export = ExportCard(context, self.period, self.patient)
        self.share = ShareSection(context.runner, context.settings, self.period, self.service,
                                  self.loaded.emit)
        self.access_seen.connect(self.share.show_access)
        self.content.addWidget(self.period)
        self.content.addWidget(self.patient)
        self.content.addWidget(self.export)
        self.content.addWidget(self.share)
        self.content.addStretch(1)

    # --- the app's share service (context.share): opened on first show, closed when the runner shuts down --
    async def service(self) -> ShareService:
        """The ShareService, opened on first use (keyring and database on a worker thread)."""
        if self._service is not None:
            return self._service
        if self._opening is None or self._opening.done():  # done without a service: it failed, try again
            self._opening = asyncio.ensure_future(self._open_service())
        return await asyncio.shield(self._opening)

    async def _open_service(self) -> ShareService:
        access = self.context.share
        service = await asyncio.to_thread(access.open)
        try:
            keeper = self.context.runner.spawn(
                self._close_at_shutdown(service), name="Share service", background=True
            )
        except RuntimeError:  # the app is already shutting down
            await asyncio.to_thread(access.close)
            raise
        # A task cancelled before its first step never enters its `finally`: close here then (idempotent).
        keeper.add_done_callback(lambda _: self._close_if_open(service))
        service.add_access_listener(self.access_seen.emit)
        self._service = service
        return service

    async def _close_at_shutdown(self, service: ShareService) -> None:
        try:
            await asyncio.get_running_loop().create_future()  # until the runner cancels it
        finally:
            self._service = None
            await asyncio.to_thread(self.context.share.close)  # stops the server and frees its port

    def _close_if_open(self, service: ShareService) -> None:
        if self._service is service:
            self._service = None
            self.context.share.close()

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
                asyncio.to_thread(_import_share),
                name="Loading sharing",
                on_result=lambda _: self.loaded.emit(),
            )

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.period.set_today(date.today())  # the app may have run past midnight
        self.export.schedule_preview(quiet=True)  # data may have come in (drains do not refresh this page)
        if self._service is None and self._opening is None:
            self.share.reload()


def _import_share() -> None:
    import healthdesk.services.share  # noqa: F401  (warm the server stack's import off the paint path)
