"""The patient's name and birth date: typed on the Share & export page, kept in settings.json, printed on the
saved PDF (real pypdf text extraction) and never carried by a share link. The page's modules do not import
each other and the page uses the app's share service (context.share) instead of building one."""

from __future__ import annotations

import ast
import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
from pypdf import PdfReader
from PySide6.QtCore import QDate, QSettings, Qt

import healthdesk.ui.pages as pages_pkg
from healthdesk.config import Paths
from healthdesk.services.user_settings import saved_patient
from healthdesk.ui.context import AppContext
from healthdesk.ui.pages.share import SharePage
from healthdesk.ui.tasks import TaskRunner

from .conftest import run_on_loop
from .test_share_page import free_port, open_page

NAME = "Zoë Müller-Łukasiewicz"
BORN = date(1984, 3, 9)


@pytest.fixture
def patient_context(qloop, seeded_paths: Paths, tmp_path: Path, qtbot, task_failures) -> Iterator[AppContext]:
    """The shared 12-day database; settings.json (and the share key) in this test's own folder."""
    runner = TaskRunner()
    runner.task_failed.connect(lambda name, message: task_failures.append(f"{name}: {message}"))
    ctx = AppContext(runner, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat),
                     seeded_paths.data_dir, settings_file=tmp_path / "config" / "settings.json")
    yield ctx
    run_on_loop(qtbot, runner.shutdown())
    assert not task_failures, f"tasks failed: {task_failures}"


def _pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes())).pages)


def test_patient_form_is_saved_and_printed_on_the_pdf_only(patient_context: AppContext, qtbot,
                                                           tmp_path: Path) -> None:
    page = open_page(patient_context, qtbot)
    assert page.patient.name.text() == "" and page.patient.birth_date.text() == "not set"
    qtbot.keyClicks(page.patient.name, "Zo")  # QTest types ASCII only: the rest as an input method would
    page.patient.name.insert(NAME[2:])
    qtbot.keyClick(page.patient.name, Qt.Key.Key_Return)  # editing finished: saved
    page.patient.birth_date.setDate(QDate(BORN.year, BORN.month, BORN.day))
    settings_file = tmp_path / "config" / "settings.json"
    assert saved_patient(settings_file) == (NAME, BORN)
    stored = json.loads(settings_file.read_text())["patient"]
    assert stored == {"name": NAME, "birth_date": "1984-03-09"}

    page.export.clock = lambda: datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
    page.export.choose_path = lambda kind, suggested: tmp_path / "report.pdf"
    with qtbot.waitSignal(page.export.exported, timeout=60_000):
        qtbot.mouseClick(page.export.pdf_button, Qt.MouseButton.LeftButton)
    text = _pdf_text(tmp_path / "report.pdf")
    assert NAME in text and "born 1984-03-09" in text
    assert "Patient name not recorded" not in text

    # A share link's PDF is the clinician's copy over the network: the name stays on this computer.
    section = page.share
    section.port.setValue(free_port())
    with qtbot.waitSignal(section.server_changed, timeout=20_000):
        qtbot.mouseClick(section.server_button, Qt.MouseButton.LeftButton)
    section.label.setText("Dr. Weber")
    with qtbot.waitSignal(section.links_shown, timeout=20_000):
        qtbot.mouseClick(section.create_button, Qt.MouseButton.LeftButton)
    view = httpx.get(section.shown_url, timeout=30)
    assert view.status_code == 200 and NAME not in view.text and "1984-03-09" not in view.text

    # A new page (the app started again) shows what was saved.
    again = SharePage(patient_context)
    qtbot.addWidget(again)
    assert again.patient.patient() == (NAME, BORN)


def test_clearing_the_form_takes_the_patient_off_the_report(patient_context: AppContext, qtbot) -> None:
    page = open_page(patient_context, qtbot)
    page.patient.name.setText("  ")
    page.patient.save()
    page.patient.birth_date.setDate(page.patient.birth_date.minimumDate())  # "not set"
    assert page.patient.patient() == (None, None)
    assert saved_patient(patient_context.paths.settings_file) == (None, None)


def test_the_page_uses_the_apps_share_service(patient_context: AppContext, qtbot) -> None:
    page = open_page(patient_context, qtbot)
    qtbot.waitUntil(lambda: page.service_open, timeout=20_000)
    assert page._service is patient_context.share.service  # the app's one service, opened on first show


def test_share_modules_do_not_import_each_other_or_by_string() -> None:
    folder = Path(pages_pkg.__file__).parent
    for name, forbidden in (("share.py", set()), ("share_links.py", {"healthdesk.ui.pages.share"}),
                            ("share_table.py", {"healthdesk.ui.pages.share", "healthdesk.ui.pages.share_links"})):
        tree = ast.parse((folder / name).read_text())
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert not imported & forbidden, name
        assert "importlib" not in imported and "import_module" not in (folder / name).read_text(), name
        assert "ShareService(" not in (folder / name).read_text(), name  # no service built by the page
