"""Run healthdesk-cli as a real subprocess; share one imported overnight capture across the CLI tests."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

_ENTRY = "import sys; from healthdesk.cli import main; sys.exit(main())"


@dataclass
class CliRun:
    returncode: int
    stdout: str
    stderr: str

    @property
    def json(self) -> dict:
        return json.loads(self.stdout)

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


def run_cli(home: Path, *args: str) -> CliRun:
    done = subprocess.run(
        [sys.executable, "-c", _ENTRY, "--home", str(home), *map(str, args)],
        capture_output=True, text=True, timeout=300,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return CliRun(done.returncode, done.stdout, done.stderr)


def dump_tables(path: Path, ignore: dict[str, set[str]] | None = None) -> dict[str, list[tuple]]:
    """Every row of every table, sorted; `ignore` drops named columns (e.g. receive times)."""
    ignore = ignore or {}
    with sqlite3.connect(path) as conn:
        names = [r[0] for r in conn.execute("select name from sqlite_master where type = 'table' order by name")]
        out = {}
        for name in names:
            columns = [r[1] for r in conn.execute(f'pragma table_info("{name}")') if r[1] not in ignore.get(name, ())]
            query = f'select {", ".join(chr(34) + c + chr(34) for c in columns)} from "{name}"'
            out[name] = sorted(conn.execute(query).fetchall(), key=repr)
        return out


@dataclass
class ImportedHome:
    home: Path
    first: CliRun  # the first import of the overnight capture

    def copy_to(self, target: Path) -> Path:
        shutil.copytree(self.home, target)
        return target


@pytest.fixture(scope="session")
def overnight_home(tmp_path_factory, overnight_capture) -> ImportedHome:
    home = tmp_path_factory.mktemp("overnight-home")
    first = run_cli(home, "import-frames", overnight_capture, "--device", "overnight-band")
    assert first.returncode == 0, first.stderr
    return ImportedHome(home, first)


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture
def dump_db():
    return dump_tables
