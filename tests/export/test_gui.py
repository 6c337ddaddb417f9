"""The app side: Settings' "Your data" card imports a WHOOP export with a progress bar and writes a backup; the
corrections dialog rejects a nap and lists it as rejected. Real SQLite files, offscreen Qt, the real runner."""

from __future__ import annotations

import shutil
import sqlite3
import stat
import time
from datetime import date
from pathlib import Path

import pytest

from healthdesk.services.whoop_export.synthetic import generate, write_export
from healthdesk.ui.dialogs.corrections import CorrectionsDialog
from healthdesk.ui.widgets.data_actions import DataActionsCard
from tests.gui.conftest import context, database, no_leaked_widgets, qloop, task_failures  # noqa: F401


@pytest.fixture
def band_home(home: Path, derived_db: Path, monkeypatch) -> Path:
    shutil.copy(derived_db, home / "healthdesk.db")
    monkeypatch.setenv("TZ", "Etc/GMT-1")  # the simulated wearer's clock: re-derives keep the same day labels
    time.tzset()
    yield home
    monkeypatch.undo()
    time.tzset()


def test_data_card_imports_with_progress_and_backs_up(context, qtbot, tmp_path):  # noqa: F811
    card = DataActionsCard(context)
    qtbot.addWidget(card)
    write_export(tmp_path / "export.zip", generate(30, seed=4))
    seen: list[int] = []
    card.progress.connect(lambda f, _t: seen.append(int(f * 100)))
    with qtbot.waitSignal(card.finished, timeout=60_000) as done:
        card.start_import(tmp_path / "export.zip")
    assert done.args[0].startswith("Imported export.zip: cycles: 30 new")
    assert seen[0] == 0 and seen[-1] == 100 and not card.bar.isVisible()
    with sqlite3.connect(context.paths.database) as conn:
        assert conn.execute("select count(*) from whoop_export_cycles").fetchone()[0] == 30
    with qtbot.waitSignal(card.finished, timeout=60_000) as done:
        card.start_backup(tmp_path / "b.zip")
    assert done.args[0].startswith("Backup written") and stat.S_IMODE((tmp_path / "b.zip").stat().st_mode) == 0o600
    with qtbot.waitSignal(card.finished, timeout=60_000) as done:
        card.start_import(tmp_path / "missing.zip")
    assert done.args[0].startswith("Importing failed: ") and "\n" not in done.args[0]


def test_corrections_dialog_rejects_a_nap(band_home, context, qtbot):  # noqa: F811
    dialog = CorrectionsDialog(context, "sleep", date(2023, 11, 16))
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.list.count() >= 2, timeout=30_000)
    nap_row = next(i for i, item in enumerate(dialog.items) if item.kind == "nap")
    nap = dialog.items[nap_row]
    dialog.list.setCurrentRow(nap_row)
    with qtbot.waitSignal(dialog.done_one, timeout=120_000) as done:
        dialog.reject_button.click()
    assert "rejected" in done.args[0]
    qtbot.waitUntil(lambda: any(i.rejected for i in dialog.items), timeout=30_000)
    assert [i.start for i in dialog.items if i.rejected] == [nap.start]
    assert not any(i.kind == "nap" and i.start == nap.start for i in dialog.items)
    assert any("rejected" in dialog.list.item(r).text() for r in range(dialog.list.count()))
    assert dialog.changed
