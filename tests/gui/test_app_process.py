"""`healthdesk` as a real process: --screenshot renders every page and exits 0; the demo pairs and drains."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from PySide6.QtGui import QImage

from healthdesk.ui.main_window import PAGE_KEYS


def _run(args: list[str], env_extra: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"), **env_extra)
    return subprocess.run([sys.executable, "-m", "healthdesk.app", *args], env=env, capture_output=True,
                          text=True, timeout=timeout)


def _assert_pages(out: Path) -> None:
    names = {p.name for p in out.iterdir()}
    if shutil.which("chromium"):  # the share view on a phone, from headless Chromium (UI engineer #2)
        assert "share-390.png" in names and QImage(str(out / "share-390.png")).width() == 390
    assert {f"{k}.png" for k in PAGE_KEYS} <= names
    for key in PAGE_KEYS:
        image = QImage(str(out / f"{key}.png"))
        assert not image.isNull() and image.width() >= 960 and image.height() >= 640


def test_screenshot_mode_over_a_seeded_folder_exits_cleanly(seeded_paths, tmp_path) -> None:
    out = tmp_path / "shots"
    started = time.monotonic()
    done = _run(["--home", str(seeded_paths.data_dir), "--screenshot", str(out)], {}, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert time.monotonic() - started < 60
    _assert_pages(out)


def test_demo_seeds_pairs_drains_and_a_second_start_reuses_the_folder(tmp_path) -> None:
    home, out = tmp_path / "home", tmp_path / "shots"
    small = {"HEALTHDESK_DEMO_DAYS": "2", "HEALTHDESK_DEMO_BAND_HOURS": "1"}
    first = _run(["--home", str(home), "--demo", "--screenshot", str(out)], small, timeout=170)
    assert first.returncode == 0, first.stderr[-2000:]
    _assert_pages(out)
    demo = home / "demo"
    assert (demo / "demo-seeded.json").is_file() and (demo / "paired_band.json").is_file()
    assert not (home / "healthdesk.db").exists()  # the demo never writes into the real data folder
    log = (demo / "logs" / "healthdesk.log").read_text()
    assert "demo seeded" in log
    second = _run(["--home", str(home), "--demo", "--screenshot", str(tmp_path / "again")], small, timeout=170)
    assert second.returncode == 0, second.stderr[-2000:]
    assert (demo / "logs" / "healthdesk.log").read_text().count("demo seeded") == 1  # not generated again


def test_an_unreadable_database_is_one_line_and_exit_2(tmp_path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "healthdesk.db").write_bytes(b"this is not a database, just text" * 10)
    done = _run(["--home", str(home), "--screenshot", str(tmp_path / "shots")], {}, timeout=60)
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.startswith("healthdesk:")]
    assert lines == [f"healthdesk: cannot open database {home / 'healthdesk.db'}: file is not a database"]
    assert "Traceback" not in done.stderr
