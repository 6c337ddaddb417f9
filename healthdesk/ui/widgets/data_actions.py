"""Settings' "Your data" card: import WHOOP's data export (with a progress bar), back up, restore, delete.

Every action runs on the task runner's worker thread (services/whoop_export, services/backup); progress comes
back through a queued signal. Restore and delete ask first; after either the app must be restarted, because
the open database file was replaced or removed (the card says so).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QWidget,
)

from healthdesk.ui.context import AppContext
from healthdesk.ui.widgets.common import Card


class DataActionsCard(Card):
    progress = Signal(float, str)  # fraction, words (emitted on the GUI thread)
    finished = Signal(str)  # the result in one line (tests wait on it)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Your data", parent)
        self.context = context
        hint = QLabel("Import years of history from WHOOP's \"Export my data\" file; keep a backup; move it to "
                      "another computer; or delete everything healthdesk keeps about you.")
        hint.setObjectName("muted")
        hint.setWordWrap(True)
        self.body.addWidget(hint)
        row = QHBoxLayout()
        self.import_button = QPushButton("Import WHOOP export…")
        self.backup_button = QPushButton("Back up…")
        self.restore_button = QPushButton("Restore…")
        self.delete_button = QPushButton("Delete my data…")
        for b in (self.import_button, self.backup_button, self.restore_button, self.delete_button):
            row.addWidget(b)
        row.addStretch(1)
        self.body.addLayout(row)
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.bar.hide()
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.body.addWidget(self.bar)
        self.body.addWidget(self.status)
        self.import_button.clicked.connect(self._ask_import)
        self.backup_button.clicked.connect(self._ask_backup)
        self.restore_button.clicked.connect(self._ask_restore)
        self.delete_button.clicked.connect(self._ask_delete)
        self.progress.connect(self._show_progress)

    # --- the actions (tests call these directly, without the file dialogs) -------------------------------------
    def start_import(self, path: Path) -> None:
        from healthdesk.services.whoop_export import import_export_file

        db = self.context.paths.database

        def done(report: Any) -> str:
            counts = report.as_json()
            text = ", ".join(f"{k}: {v['new']} new, {v['updated']} updated" for k, v in counts.items()
                             if isinstance(v, dict))
            warnings = f"; {len(report.warnings)} warning(s): {report.warnings[0]}" if report.warnings else ""
            return f"Imported {Path(path).name}: {text}{warnings}"

        self._run("Importing", lambda report: import_export_file(db, path, report), done)

    def start_backup(self, out: Path) -> None:
        from healthdesk.services.backup import backup

        paths = self.context.paths
        self._run("Backing up", lambda report: backup(paths, out, report),
                  lambda r: f"Backup written: {r.path} ({r.size_bytes / 1e6:.1f} MB). It holds no passwords or "
                            "WHOOP sign-in.")

    def start_restore(self, archive: Path) -> None:
        from healthdesk.services.backup import restore

        paths = self.context.paths
        self._run("Restoring", lambda report: restore(paths, archive, report),
                  lambda _r: "Restored. Restart healthdesk to see the restored data.")

    def start_delete(self) -> None:
        from healthdesk.services.backup import delete_my_data

        paths = self.context.paths
        self._run("Deleting", lambda report: delete_my_data(paths, report),
                  lambda r: f"Deleted {r.removed_files} files{'; WHOOP access revoked' if r.revoked else ''}. "
                            "Close healthdesk now.")

    # --- plumbing ----------------------------------------------------------------------------------------------
    def _run(self, title: str, work: Callable[[Callable[[float, str], None]], Any], words: Callable[[Any], str]) -> None:
        runner = self.context.runner
        self._busy(True, title)

        async def job() -> str:
            loop = asyncio.get_running_loop()

            def report(fraction: float, text: str) -> None:
                # the work runs on the reader thread: hand each step to the GUI thread, never emit Qt from there
                loop.call_soon_threadsafe(self.progress.emit, fraction, text)

            try:
                return words(await runner.run_blocking(work, report))
            except Exception as exc:  # noqa: BLE001 - one line for the user, whatever failed
                first = (str(exc).splitlines() or [type(exc).__name__])[0]
                return f"{title} failed: {first}"

        runner.spawn(job(), name=title, on_result=self._done)

    def _busy(self, busy: bool, title: str = "") -> None:
        for b in (self.import_button, self.backup_button, self.restore_button, self.delete_button):
            b.setEnabled(not busy)
        self.bar.setVisible(busy)
        self.bar.setValue(0)
        if busy:
            self.status.setText(f"{title}…")

    def _show_progress(self, fraction: float, words: str) -> None:
        self.bar.setValue(int(round(100 * max(0.0, min(1.0, fraction)))))
        self.bar.setFormat(f"%p%  {words}")

    def _done(self, text: str) -> None:
        self._busy(False)
        self.status.setText(text)
        self.finished.emit(text)

    def _ask_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "WHOOP data export", "", "WHOOP export (*.zip);;All files (*)")
        if path:
            self.start_import(Path(path))

    def _ask_backup(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Back up to", "healthdesk-backup.zip", "Backup (*.zip)")
        if path:
            self.start_backup(Path(path))

    def _ask_restore(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Restore a backup", "", "Backup (*.zip)")
        if path and _confirm(self, "Restore this backup?", "The data healthdesk holds now is replaced by the "
                             "backup's. The current database is kept aside until the restore has been checked."):
            self.start_restore(Path(path))

    def _ask_delete(self) -> None:
        if _confirm(self, "Delete all your data?", "This deletes the database, the raw band archive, settings, "
                    "logs and saved keys, and revokes WHOOP access. It cannot be undone. Make a backup first if "
                    "you may want it back."):
            self.start_delete()


def _confirm(parent: QWidget, title: str, text: str) -> bool:
    box = QMessageBox(QMessageBox.Icon.Warning, title, text,
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, parent)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    answer = box.exec()
    box.deleteLater()
    return answer == QMessageBox.StandardButton.Yes


__all__ = ["DataActionsCard"]
