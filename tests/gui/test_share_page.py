"""The Share & export page against the real services: real SQLite, real report files, the real share server
on 127.0.0.1 (httpx as the clinician's browser)."""

from __future__ import annotations

import gc
import io
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from pypdf import PdfReader
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton

from healthdesk.config import Paths
from healthdesk.services.export import SECTIONS, ExportRequest, export, preview_pages
from healthdesk.services.pairing import load_paired_band
from healthdesk.services.share import LAN_WARNING, qr_png
from healthdesk.ui.context import AppContext
from healthdesk.ui.main_window import MainWindow
from healthdesk.ui.pages.share import SharePage
from healthdesk.ui.pages.share_links import MAX_EVENTS
from healthdesk.ui.tasks import TaskRunner

from .conftest import run_on_loop

GENERATED_AT = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def open_page(context: AppContext, qtbot) -> SharePage:
    page = SharePage(context)
    qtbot.addWidget(page)
    page.resize(1200, 900)
    with qtbot.waitSignal(page.loaded, timeout=20_000):
        page.show()  # the first show opens the share service and lists the links
    return page


@pytest.fixture
def page(context: AppContext, qtbot) -> SharePage:
    return open_page(context, qtbot)


@pytest.fixture
def seeded_context(qloop, seeded_paths: Paths, tmp_path: Path, qtbot, task_failures) -> Iterator[AppContext]:
    """A context over the shared 12-day database (exports only read it)."""
    runner = TaskRunner()
    runner.task_failed.connect(lambda name, message: task_failures.append(f"{name}: {message}"))
    ctx = AppContext(
        runner, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat), seeded_paths.data_dir
    )
    yield ctx
    run_on_loop(qtbot, runner.shutdown())
    assert not task_failures, f"tasks failed: {task_failures}"


def click(qtbot, button: QPushButton) -> None:
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def texts_on(page: SharePage) -> list[str]:
    """Every text the page shows: labels, line edits, table cells, event rows."""
    out = [w.text() for w in page.findChildren(QLabel)] + [w.text() for w in page.findChildren(QLineEdit)]
    table = page.share.list.table
    out += [
        table.item(r, c).text()
        for r in range(table.rowCount())
        for c in range(table.columnCount())
        if table.item(r, c) is not None
    ]
    out += [page.share.events.item(i).text() for i in range(page.share.events.count())]
    return out


def test_window_lists_the_page_and_it_renders_with_an_empty_database(window: MainWindow, qtbot) -> None:
    window.show_page("share")
    page: SharePage = window.pages["share"]  # type: ignore[assignment]
    qtbot.waitUntil(lambda: page.service_open, timeout=20_000)
    qtbot.waitUntil(lambda: page.export.preview.text().startswith("The PDF"), timeout=20_000)
    share = page.share
    assert not share.list.empty.isHidden() and share.list.table.isHidden()
    assert share.list.empty.text().startswith("No links yet")
    assert not share.events_empty.isHidden() and share.events.isHidden()
    assert share.server_status.text() == "Sharing is off." and share.server_button.text() == "Start sharing"
    # The test keyring backend fails, so the key lives in memory: the page must say links die with the app.
    assert not share.key_warning_frame.isHidden() and "keyring" in share.key_warning.text()
    assert share.lan_warning_frame.isHidden() and not share.tls.isEnabled()  # loopback is the default
    start, end = page.period.period()
    assert (end - start).days == 29 and end == date.today()
    expected = preview_pages(page.paths.database, ExportRequest("pdf", start, end, Path("x.pdf")))
    assert (
        page.export.preview.text() == f"The PDF will be about {expected} page{'s' if expected != 1 else ''}."
    )
    image = window.grab().toImage()
    assert not image.isNull() and image.width() >= 960
    shown = page.export.preview.text()
    window.show_page("today")
    window.show_page("share")  # coming back recounts quietly: the count stays until the new one is in
    assert page.export.preview.text() == shown
    page.period.choose_last(365)  # a new choice: the old count would mislead
    assert page.export.preview.text() == "Counting pages\u2026"
    qtbot.waitUntil(lambda: page.export.preview.text().startswith("The PDF"), timeout=20_000)


def test_export_pdf_and_fhir_from_the_page_match_the_export_service(
    seeded_context, seeded_paths, qtbot, tmp_path
) -> None:
    page = open_page(seeded_context, qtbot)
    page.period.choose_last(90)
    page.period.section_boxes["workouts"].setChecked(False)
    page.export.clock = lambda: GENERATED_AT
    chosen: list[tuple[str, Path]] = []

    def choose(kind: str, suggested: Path) -> Path:
        chosen.append((kind, suggested))
        return tmp_path / ("report.pdf" if kind == "pdf" else "bundle.json")

    page.export.choose_path = choose
    with qtbot.waitSignal(page.export.exported, timeout=60_000) as done:
        click(qtbot, page.export.pdf_button)
        assert (
            not page.export.busy.isHidden() and not page.export.fhir_button.isEnabled()
        )  # busy while saving
    pdf = (tmp_path / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    assert done.args == [f"Saved report.pdf, {pages} page{'s' if pages != 1 else ''}"]
    assert page.export.busy.isHidden() and page.export.pdf_button.isEnabled()
    assert "coverage: band:" in page.export.detail.text()
    start, end = date.today() - timedelta(days=89), date.today()
    assert chosen[0] == ("pdf", Path.home() / f"healthdesk-{start}-to-{end}.pdf")

    with qtbot.waitSignal(page.export.exported, timeout=60_000) as done:
        click(qtbot, page.export.fhir_button)
    raw = (tmp_path / "bundle.json").read_bytes()
    bundle = json.loads(raw)
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "document"
    assert any(e["resource"]["resourceType"] == "Observation" for e in bundle["entry"])
    assert done.args == [f"Saved bundle.json, {len(bundle['entry'])} entries"]
    assert chosen[1][1].parent == tmp_path  # the next dialog opens where the last file went

    # The page asked for exactly the chosen period and sections: the service given them writes the same bytes.
    band = load_paired_band(seeded_paths)
    firmware = {band.name: band.firmware} if band and band.firmware else {}
    for kind, name, got in (("pdf", "direct.pdf", pdf), ("fhir", "direct.json", raw)):
        request = ExportRequest(
            kind,
            start,
            end,
            tmp_path / name,
            generated_at=GENERATED_AT,
            sections=frozenset(SECTIONS) - {"workouts"},
            band_firmware=firmware,
        )
        export(seeded_paths.database, request)
        assert (tmp_path / name).read_bytes() == got, kind
    qtbot.waitUntil(lambda: page.export.preview.text().startswith("The PDF"), timeout=20_000)
    assert page.export.preview.text() == f"The PDF will be about {pages} page{'s' if pages != 1 else ''}."


def test_export_errors_are_one_line_and_write_nothing(
    page: SharePage, qtbot, tmp_path, task_failures
) -> None:
    target = tmp_path / "missing" / "report.pdf"
    page.export.choose_path = lambda kind, suggested: target
    with qtbot.waitSignal(page.export.exported, timeout=30_000) as done:
        click(qtbot, page.export.pdf_button)
    assert done.args == [f"Not saved: folder {target.parent} does not exist"]
    assert not target.parent.exists()
    page.period.set_period(date.today(), date.today() - timedelta(days=3))  # backwards
    page.export.choose_path = lambda kind, suggested: tmp_path / "bundle.json"
    with qtbot.waitSignal(page.export.exported, timeout=30_000) as done:
        click(qtbot, page.export.fhir_button)
    assert done.args[0].startswith("Not saved: ") and "\n" not in done.args[0]
    assert not (tmp_path / "bundle.json").exists() and list(tmp_path.iterdir()) == []
    page.export.choose_path = lambda kind, suggested: None  # the dialog was cancelled: nothing happens
    click(qtbot, page.export.pdf_button)
    assert page.export.busy.isHidden() and not task_failures


def test_link_lifecycle_against_the_real_server(
    page: SharePage, context: AppContext, qtbot, home: Path
) -> None:
    share, port = page.share, free_port()
    share.port.setValue(port)
    with qtbot.waitSignal(share.server_changed, timeout=20_000):
        click(qtbot, share.server_button)
    assert share.running and share.server_button.text() == "Stop sharing"
    assert share.server_status.text() == f"Sharing at http://127.0.0.1:{port}"
    assert not share.port.isEnabled() and not share.bind.isEnabled()

    page.period.set_period(date.today() - timedelta(days=13), date.today())
    page.period.section_boxes["wellness"].setChecked(False)
    qtbot.keyClicks(share.label, "Dr. Weber")
    share.fhir.setChecked(True)
    share.expiry.setValue(500)
    assert share.expiry.value() == 90  # the cap
    share.expiry.setValue(14)
    with qtbot.waitSignal(share.links_shown, timeout=20_000):
        click(qtbot, share.create_button)
    url = share.url.text()
    token = url.rsplit("/c/", 1)[1]
    assert url == f"http://127.0.0.1:{port}/c/{token}" and len(token) > 30
    assert not share.created.isHidden() and share.label.text() == ""
    assert share.fhir_note.text().startswith(
        f"FHIR base for the clinician's software: http://127.0.0.1:{port}/fhir"
    )
    shown, expected = share.qr.pixmap().toImage(), QImage.fromData(qr_png(url), "PNG")
    assert not shown.isNull() and shown.convertToFormat(
        QImage.Format.Format_RGB32
    ) == expected.convertToFormat(QImage.Format.Format_RGB32)
    click(qtbot, share.copy_button)
    from PySide6.QtGui import QGuiApplication

    assert QGuiApplication.clipboard().text() == url
    table = share.list.table
    assert table.rowCount() == 1 and share.list.empty.isHidden()
    row = [table.item(0, c).text() for c in range(7)]
    assert row[0] == "Dr. Weber" and row[2] == "vitals, sleep, workouts + FHIR"
    assert row[3:5] == ["active", "0"] and row[5] == "never"
    link = share.links[0]
    assert (link.start, link.end) == (date.today() - timedelta(days=13), date.today())
    assert (link.expires_at - link.created_at) == timedelta(days=14)

    click(qtbot, share.done_button)  # shown once: after Done the token is nowhere on the page or in settings
    assert share.created.isHidden() and not any(token in t for t in texts_on(page))
    context.settings.sync()
    assert token not in (home / "healthdesk-ui.ini").read_text()

    with qtbot.waitSignal(share.links_shown, timeout=20_000):  # the access event reloads the list
        response = httpx.get(url, timeout=10)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    qtbot.waitUntil(lambda: table.item(0, 4).text() == "1", timeout=10_000)
    assert table.item(0, 5).text().startswith("today ")
    assert share.events.count() == 1 and share.events_empty.isHidden()
    assert share.events.item(0).text().endswith("Dr. Weber \u2014 opened the view from 127.0.0.1")

    revoke: QPushButton = table.cellWidget(0, 7)  # type: ignore[assignment]
    with qtbot.waitSignal(share.links_shown, timeout=20_000):
        click(qtbot, revoke)
    assert table.item(0, 3).text() == "revoked" and table.cellWidget(0, 7) is None  # nothing left to revoke
    assert share.link_status.text() == "Link \u201cDr. Weber\u201d revoked; it stops working at once."
    assert httpx.get(url, timeout=10).status_code == 404  # no restart needed

    with qtbot.waitSignal(share.server_changed, timeout=20_000):
        click(qtbot, share.server_button)
    assert not share.running and share.server_status.text() == "Sharing is off." and share.port.isEnabled()
    assert port_is_free(port)


def test_link_form_errors_and_busy_port_are_one_line(page: SharePage, qtbot, task_failures) -> None:
    share = page.share
    with qtbot.waitSignal(share.create_button.clicked):
        click(qtbot, share.create_button)  # no label
    qtbot.waitUntil(lambda: share.link_status.text() != "", timeout=10_000)
    assert share.link_status.text() == "Not created: give the link a label (e.g. the clinician's name)"
    assert share.created.isHidden() and share.list.table.rowCount() == 0

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        share.port.setValue(port)
        click(qtbot, share.server_button)
        qtbot.waitUntil(lambda: share.server_status.text().startswith("Not started"), timeout=20_000)
    assert share.server_status.text().startswith(f"Not started: cannot listen on 127.0.0.1:{port}")
    assert (
        not share.running
        and share.server_button.text() == "Start sharing"
        and share.server_button.isEnabled()
    )
    assert not task_failures


def test_lan_bind_warns_and_shows_the_tls_fingerprint(page: SharePage, qtbot) -> None:
    share = page.share
    share.bind.setCurrentIndex(1)
    # the local network always uses TLS: the box is ticked and cannot be unticked
    assert not share.lan_warning_frame.isHidden() and share.tls.isChecked() and not share.tls.isEnabled()
    port = free_port()
    share.port.setValue(port)
    with qtbot.waitSignal(share.server_changed, timeout=30_000):
        click(qtbot, share.server_button)
    info = page._service.server_info
    assert info.lan and info.tls_fingerprint and info.base_url.startswith("https://")
    status = share.server_status.text().splitlines()
    assert status[0] == f"Sharing at {info.base_url}"
    assert len(status) == 2 and status[1].endswith(info.tls_fingerprint)
    assert not share.lan_warning_frame.isHidden() and share.lan_warning.text() == LAN_WARNING
    assert httpx.get(f"https://127.0.0.1:{port}/c/nothing", verify=False, timeout=10).status_code == 404
    assert not share.tls.isEnabled() and not share.bind.isEnabled()  # fixed while the server runs
    with qtbot.waitSignal(share.server_changed, timeout=20_000):
        click(qtbot, share.server_button)
    share.bind.setCurrentIndex(0)
    assert share.lan_warning_frame.isHidden() and not share.tls.isChecked()


def test_runner_shutdown_stops_the_server_and_frees_the_port(
    context: AppContext, page: SharePage, qtbot
) -> None:
    share, port = page.share, free_port()
    share.port.setValue(port)
    with qtbot.waitSignal(share.server_changed, timeout=20_000):
        click(qtbot, share.server_button)
    assert not port_is_free(port)
    run_on_loop(qtbot, context.runner.shutdown())  # what the app does when the window closes
    assert port_is_free(port) and not page.service_open


LOAD_SCRIPT = """
import asyncio, sys, httpx
async def main(url, n):
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=n)) as client:
        async def one():
            try:
                return (await client.get(url)).status_code
            except httpx.HTTPError as exc:
                return type(exc).__name__
        print(" ".join(map(str, await asyncio.gather(*(one() for _ in range(n))))))
asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


def test_200_concurrent_views_are_all_counted_while_the_window_stays_responsive(
    page: SharePage, qtbot
) -> None:
    """The clinician's browsers are another process; the Qt loop keeps turning while the page takes the
    access events (queued from the server's worker thread) and reloads the list."""
    share = page.share
    share.port.setValue(free_port())
    with qtbot.waitSignal(share.server_changed, timeout=20_000):
        click(qtbot, share.server_button)
    qtbot.keyClicks(share.label, "Load")
    with qtbot.waitSignal(share.links_shown, timeout=20_000):
        click(qtbot, share.create_button)
    url = share.url.text()
    assert httpx.get(url, timeout=10).status_code == 200  # warm, as a clinician's first open

    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    gc.freeze()  # as in a running app: long-lived objects out of the collector's way
    timer.start()
    try:
        load = subprocess.Popen(
            [sys.executable, "-c", LOAD_SCRIPT, url, "200"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        qtbot.waitUntil(lambda: load.poll() is not None, timeout=120_000)
        qtbot.waitUntil(lambda: share.list.table.item(0, 4).text() == "201", timeout=20_000)
    finally:
        timer.stop()
        gc.unfreeze()
    out, err = load.communicate()
    assert load.returncode == 0, err[-2000:]
    assert out.split() == ["200"] * 200
    events = [share.events.item(i).text() for i in range(share.events.count())]
    assert len(events) == MAX_EVENTS == 200  # the newest 200 of the 201 accesses; the count above has all
    assert all("Load \u2014 opened the view from 127.0.0.1" in text for text in events)
    stall = max(b - a for a, b in zip(ticks, ticks[1:], strict=False))
    print(f"longest Qt loop stall under 200 concurrent views: {stall * 1000:.0f} ms")
    assert stall < 0.5, f"the Qt loop stalled {stall:.3f} s"
