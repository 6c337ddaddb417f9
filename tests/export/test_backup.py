"""backup / restore / delete-my-data through the real CLI (subprocesses) on real SQLite files: a backup taken
while another thread keeps writing is a consistent snapshot and restores on another home to identical
`summary --json` and `export-records`; newer backups are refused; a failed restore is undone; delete-my-data
leaves no file behind."""

from __future__ import annotations

import json
import shutil
import sqlite3
import stat
import threading
import zipfile
from datetime import date
from pathlib import Path

import pytest

from healthdesk.services.whoop_export import import_export
from healthdesk.services.whoop_export.synthetic import generate, write_export
from healthdesk.store.database import open_database
from healthdesk.store.derived import DailyValue
from healthdesk.store.whoop_export import put_export_values
from tests.export.helpers import cli

SECRET = "do-not-leak-4f7a"
WRITER_DAY = "2023-11-20"


@pytest.fixture
def home_a(derived_db, tmp_path) -> Path:
    home = tmp_path / "a"
    home.mkdir()
    shutil.copy(derived_db, home / "healthdesk.db")
    write_export(tmp_path / "x.zip", generate(12, seed=3, first_day=date(2023, 11, 2)))
    with open_database(home / "healthdesk.db") as db:
        import_export(db, tmp_path / "x.zip")
    (home / "settings.json").write_text(json.dumps({
        "profile": {"weight_kg": 70, "height_cm": 180, "birth_year": 1985, "sex": "male"},
        "units": "metric", "whoop_api_token": SECRET}))
    return home


def _writer(db_path: Path, stop: threading.Event, committed: list[int]) -> None:
    """The app writing: one transaction per batch, each a pair of rows that only make sense together."""
    with open_database(db_path) as db:
        i = 0
        while not stop.is_set():
            with db.write() as conn:
                put_export_values(conn, [DailyValue(WRITER_DAY, f"w{i:05d}_{part}", "whoop_export", float(i), "n",
                                                    1.0) for part in ("a", "b")])
            committed.append(i)
            i += 1
            stop.wait(0.01)


def _writer_batches(db_file: Path) -> list[str]:
    with sqlite3.connect(db_file) as conn:
        return sorted(m for (m,) in conn.execute(
            "select metric from daily_values where day = ? and metric glob 'w[0-9]*'", (WRITER_DAY,)))


def _views(home: Path) -> tuple[str, str]:
    summary = cli(home, "summary", "--from", "2023-11-01", "--to", "2023-11-24", "--json").stdout
    records = cli(home, "export-records", "--from", "2023-11-15T01:00:00Z", "--to", "2023-11-15T03:00:00Z",
                  "--format", "json").stdout
    days = json.loads(summary)["days"]
    assert {"whoop_export", "band"} <= {e["source"] for d in days for m in d["metrics"].values() for e in m}
    assert len(json.loads(records)) > 1000
    return summary, records


def test_backup_while_writing_restores_on_another_home_identically(home_a, tmp_path):
    stop, committed = threading.Event(), []
    writer = threading.Thread(target=_writer, args=(home_a / "healthdesk.db", stop, committed))
    writer.start()
    try:
        while len(committed) < 5:
            threading.Event().wait(0.01)
        out = tmp_path / "backups" / "b.zip"
        done = cli(home_a, "backup", "--out", out)
        during = len(committed)
    finally:
        stop.set()
        writer.join()
    assert during > 5  # the writer kept committing while the backup ran in another process
    assert stat.S_IMODE(out.stat().st_mode) == 0o600 and "no secrets" in done.stdout
    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
        assert {"manifest.json", "healthdesk.db", "config/settings.json"} <= names
        assert all(SECRET.encode() not in z.read(n) for n in names)
        z.extract("healthdesk.db", tmp_path / "peek")
    batches = _writer_batches(tmp_path / "peek" / "healthdesk.db")
    k = len(batches) // 2
    assert batches == sorted(f"w{i:05d}_{p}" for i in range(k) for p in ("a", "b"))  # whole pairs, a prefix
    assert 5 <= k <= len(committed)
    with sqlite3.connect(home_a / "healthdesk.db") as conn:  # the source as it was at the snapshot
        conn.execute("delete from daily_values where day = ? and metric glob 'w[0-9]*' and metric >= ?",
                     (WRITER_DAY, f"w{k:05d}"))
    home_b = tmp_path / "b"
    restored = cli(home_b, "restore", out)
    assert "restored" in restored.stdout
    assert _views(home_b) == _views(home_a)
    settings = json.loads((home_b / "settings.json").read_text())
    assert settings["profile"]["weight_kg"] == 70 and "whoop_api_token" not in settings
    assert not list(home_b.glob("healthdesk.before-restore-*")) and not list(home_b.glob("*.restoring-*"))


def test_restore_refuses_newer_backups_and_undoes_a_failed_one(home_a, tmp_path):
    before = _writer_batches(home_a / "healthdesk.db"), (home_a / "healthdesk.db").stat().st_size
    newer = tmp_path / "newer.zip"
    with zipfile.ZipFile(newer, "w") as z:
        z.writestr("manifest.json", json.dumps({"format": 99}))
        z.writestr("healthdesk.db", b"")
    bad = cli(home_a, "restore", newer, check=False)
    assert bad.returncode == 2 and "newer healthdesk" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    future = tmp_path / "future.db"  # a schema revision this version does not know
    with sqlite3.connect(future) as conn:
        conn.execute("create table alembic_version (version_num varchar(32))")
        conn.execute("insert into alembic_version values ('0099_from_the_future')")
    broken = tmp_path / "broken.db"  # a known revision but the tables are missing: fails verification
    with sqlite3.connect(broken) as conn:
        conn.execute("create table alembic_version (version_num varchar(32))")
        conn.execute("insert into alembic_version values ('0008_whoop_export')")
    for db_file, words in ((future, "newer healthdesk"), (broken, "undone")):
        archive = tmp_path / f"{db_file.stem}.zip"
        with zipfile.ZipFile(archive, "w") as z:
            z.writestr("manifest.json", json.dumps({"format": 1}))
            z.write(db_file, "healthdesk.db")
        bad = cli(home_a, "restore", archive, check=False)
        assert bad.returncode == 2 and words in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    assert (_writer_batches(home_a / "healthdesk.db"), (home_a / "healthdesk.db").stat().st_size) == before
    assert not list(home_a.glob("healthdesk.before-restore-*")) and not list(home_a.glob("*.restoring-*"))
    with open_database(home_a / "healthdesk.db") as db, db.read() as conn:
        assert conn.exec_driver_sql("select count(*) from whoop_export_cycles").scalar() == 12


def test_delete_my_data_leaves_no_file_in_the_users_folders(home_a):
    (home_a / "paired_band.json").write_text("{}")
    (home_a / "sim-band").mkdir()
    (home_a / "sim-band" / "flash.bin").write_bytes(b"\0" * 64)  # a raw archive folder
    cli(home_a, "summary", "--from", "2023-11-14", "--to", "2023-11-15", "--json")  # writes a log too
    assert list((home_a / "logs").iterdir())
    refused = cli(home_a, "delete-my-data", check=False)
    assert refused.returncode == 2 and (home_a / "healthdesk.db").exists()
    keyring_file = home_a.parent / "os-keyring.json"  # the "OS keyring" lives outside healthdesk's folders
    keyring_file.write_text(json.dumps({"healthdesk/whoop:client_id": "x", "healthdesk/whoop:tokens": "y",
                                        "healthdesk/share:hmac_key": "z", "other-app/login": "keep"}))
    env = {"PYTHON_KEYRING_BACKEND": "tests.export.file_keyring.FileKeyring",
           "HEALTHDESK_TEST_KEYRING": str(keyring_file), "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = cli(home_a, "delete-my-data", "--yes", env=env)
    assert done.stdout.startswith("deleted ")
    assert [p for p in home_a.rglob("*") if not p.is_dir()] == []
    assert json.loads(keyring_file.read_text()) == {"other-app/login": "keep"}
