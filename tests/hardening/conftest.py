"""Real subprocesses of healthdesk-cli against a home with the real overnight capture imported once."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ENTRY = "import sys; from healthdesk.cli import main; sys.exit(main())"


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str

    @property
    def lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


def run_cli(home: Path, *args: str, stdout=None, timeout: float = 120, env: dict | None = None) -> Run:
    done = subprocess.run([sys.executable, "-c", ENTRY, "--home", str(home), *map(str, args)],
                          stdout=stdout if stdout is not None else subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=timeout, env=env)
    return Run(done.returncode, done.stdout or "", done.stderr)


def assert_one_line_error(run: Run, *, code_nonzero: bool = True) -> str:
    assert "Traceback" not in run.stderr and "Exception ignored" not in run.stderr, run.stderr
    assert len(run.lines) == 1, run.stderr
    if code_nonzero:
        assert run.returncode != 0, run
    return run.lines[0]


def daily_value_rows(database: Path) -> list[tuple]:
    with sqlite3.connect(database) as conn:
        return sorted(conn.execute("select day, metric, source, value from daily_values").fetchall())


@pytest.fixture(scope="session")
def imported_template(tmp_path_factory, overnight_capture) -> Path:
    home = tmp_path_factory.mktemp("hardening-imported")
    run = run_cli(home, "import-frames", overnight_capture)
    assert run.returncode == 0, run.stderr
    return home


@pytest.fixture
def imported_home(imported_template, tmp_path) -> Path:
    target = tmp_path / "imported"
    shutil.copytree(imported_template, target)
    return target


@pytest.fixture
def clean_env() -> dict:
    return dict(os.environ)
