"""Without a keyring (the suite's fail backend): say so, refuse a link nothing would serve, mint it only in the
serving process, and never list it as active once that process is gone."""

from __future__ import annotations

import re
import signal
import subprocess
import sys

import httpx

from .conftest import ENTRY, run_cli

LINK_ARGS = ("--from", "2024-04-11", "--to", "2024-04-12", "--sections", "vitals")


def test_a_link_without_a_keyring_lives_exactly_as_long_as_its_server(imported_home):
    refused = run_cli(imported_home, "share", "create", *LINK_ARGS)
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert refused.lines[0].startswith("warning: no usable system keyring")  # said before anything is made
    assert "share serve --create" in refused.lines[1] and len(refused.lines) == 2
    assert "hds_" not in refused.stdout  # no link that could never open is printed

    serve = subprocess.Popen([sys.executable, "-c", ENTRY, "--home", str(imported_home), "share", "serve",
                              "--port", "0", "--create", *LINK_ARGS],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        while not any("listening on" in line for line in lines):
            line = serve.stdout.readline()
            assert line, serve.stderr.read()
            lines.append(line)
        url = next(line.strip() for line in lines if re.match(r"http://127\.0\.0\.1:\d+/c/hds_", line))
        assert httpx.get(url, timeout=10).status_code == 200
        listed = run_cli(imported_home, "share", "list")  # another process cannot hold the in-memory key
        assert re.search(r"^\s+1\s+unusable\b", listed.stdout, re.M), listed.stdout
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.communicate(timeout=30)
    assert serve.returncode == 0
    after = run_cli(imported_home, "share", "list")
    assert "active" not in after.stdout and "unusable" in after.stdout
