"""Health data readable by its owner alone: modes after a fresh start and after an upgrade from 0644 files."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from healthdesk.config import resolve_paths
from healthdesk.services.share import write_qr_png
from healthdesk.services.user_settings import update_settings
from healthdesk.store.database import open_database

from .conftest import run_cli


def modes(home: Path) -> dict[str, int]:
    found = {".": stat.S_IMODE(home.stat().st_mode)}
    for path in home.rglob("*"):
        found[str(path.relative_to(home))] = stat.S_IMODE(path.lstat().st_mode)
    return found


def assert_private(home: Path) -> None:
    loose = {name: oct(mode) for name, mode in modes(home).items()
             if mode & 0o077 or (mode != 0o700 if (home / name).is_dir() else mode != 0o600)}
    assert not loose, loose


def test_a_fresh_start_writes_everything_owner_only(tmp_path, overnight_capture):
    home = tmp_path / "fresh"
    assert run_cli(home, "import-frames", overnight_capture).returncode == 0
    out = home / "exports"
    out.mkdir(mode=0o700)
    run = run_cli(home, "export-records", "--from", "2024-04-11T00:00:00Z", "--to", "2024-04-12T12:00:00Z",
                  "--out", out / "records.csv")
    assert run.returncode == 0, run.stderr
    assert (out / "records.csv").stat().st_size > 0
    assert_private(home)


def test_files_made_in_process_are_owner_only_while_open(tmp_path):
    old = os.umask(0o022)  # what a desktop session usually has
    try:
        paths = resolve_paths(tmp_path / "app").ensure()  # every process start goes through here
        db = open_database(paths.database)
        try:
            with db.write() as conn:
                conn.exec_driver_sql("select 1")
            wal = [p for p in paths.data_dir.iterdir() if p.name.endswith(("-wal", "-shm"))]
            assert wal  # WAL and shared memory exist while the database is open
            update_settings(paths.settings_file, profile={"weight_kg": 70.0})
            write_qr_png(paths.data_dir / "link.png", "https://127.0.0.1:47811/c/hds_" + "0" * 48)
            assert_private(paths.data_dir)
        finally:
            db.close()
    finally:
        os.umask(old)


def test_an_upgrade_from_world_readable_files_is_tightened_with_one_log_line(imported_home):
    (imported_home / "settings.json").write_text('{"profile": {"weight_kg": 80}}')
    for path in [imported_home, *imported_home.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)  # what v0.1 left behind
    (imported_home / "notes.txt").write_text("not healthdesk's")  # a --home may hold the user's own files
    (imported_home / "photos").mkdir()
    os.chmod(imported_home / "notes.txt", 0o644)
    os.chmod(imported_home / "photos", 0o755)
    run = run_cli(imported_home, "share", "list")
    assert run.returncode == 0, run.stderr
    assert stat.S_IMODE((imported_home / "notes.txt").stat().st_mode) == 0o644  # never touched
    assert stat.S_IMODE((imported_home / "photos").stat().st_mode) == 0o755
    (imported_home / "notes.txt").unlink()
    (imported_home / "photos").rmdir()
    assert_private(imported_home)
    log = (imported_home / "logs" / "healthdesk-cli.log").read_text()
    lines = [line for line in log.splitlines() if "readable by this user only" in line]
    assert len(lines) == 1
    again = run_cli(imported_home, "share", "list")  # nothing left to tighten: no second line
    assert again.returncode == 0
    log = (imported_home / "logs" / "healthdesk-cli.log").read_text()
    assert len([line for line in log.splitlines() if "readable by this user only" in line]) == 1
