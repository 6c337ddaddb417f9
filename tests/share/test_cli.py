"""`healthdesk-cli share ...` in real subprocesses, with a test keyring below the keyring seam."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
URL_RE = re.compile(r"http://127\.0\.0\.1:(\d+)/c/(hds_[0-9a-f]{48})")


@pytest.fixture
def cli(share_db, home):
    env = dict(os.environ, HEALTHDESK_HOME=str(home), PYTHONPATH=str(REPO / "tests" / "cloud"),
               PYTHON_KEYRING_BACKEND="whoop_test_keyring.FileKeyring",
               HEALTHDESK_TEST_KEYRING=str(home / "keyring.json"))

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "healthdesk.cli", *args], env=env, capture_output=True,
                              text=True, timeout=120)
    run.env = env
    return run


def test_create_list_serve_revoke(cli, home):
    made = cli("share", "create", "--from", "2026-10-05", "--to", "2026-10-18", "--sections", "vitals,sleep",
               "--fhir", "--expires-days", "3", "--label", "Dr. CLI", "--timezone", "Europe/Berlin",
               "--qr", str(home / "link.png"))
    assert made.returncode == 0, made.stderr
    urls = URL_RE.findall(made.stdout)
    assert len(urls) == 1 and made.stdout.count(urls[0][1]) == 1  # the token is printed exactly once
    token = urls[0][1]
    assert "FHIR base: http://127.0.0.1:47811/fhir" in made.stdout
    assert (home / "link.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    listed = cli("share", "list", "--json")
    assert listed.returncode == 0
    links = json.loads(listed.stdout)
    assert [(x["id"], x["label"], x["from"], x["to"], x["sections"], x["fhir"], x["status"], x["access_count"])
            for x in links] == [(1, "Dr. CLI", "2026-10-05", "2026-10-18", ["vitals", "sleep"], True, "active", 0)]
    assert "hds_" not in listed.stdout

    serve = subprocess.Popen([sys.executable, "-m", "healthdesk.cli", "share", "serve", "--port", "0"],
                             env=cli.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = serve.stdout.readline()
        port = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line).group(1)
        url = f"http://127.0.0.1:{port}/c/{token}"
        assert httpx.get(url, timeout=30).status_code == 200  # a link minted by another process verifies
        fhir = httpx.get(f"http://127.0.0.1:{port}/fhir/Patient", headers={"Authorization": f"Bearer {token}"})
        assert fhir.status_code == 200
        assert "link 1 view from 127.0.0.1" in serve.stdout.readline()
        revoked = cli("share", "revoke", "1")
        assert revoked.returncode == 0 and "link 1 'Dr. CLI' revoked" in revoked.stdout
        assert httpx.get(url, timeout=30).status_code == 404  # the running server sees it at once
    finally:
        serve.send_signal(signal.SIGTERM)
        out, err = serve.communicate(timeout=30)
    assert serve.returncode == 0 and "share server stopped" in out
    final = json.loads(cli("share", "list", "--json").stdout)[0]
    assert final["status"] == "revoked" and final["access_count"] == 2
    log_text = "".join(p.read_text() for p in (home / "logs").glob("*.log"))
    assert "share link 1 created" in log_text and token not in log_text and token[4:16] not in log_text


@pytest.mark.parametrize(("args", "message"), [
    (["create", "--from", "2026-10-05", "--to", "2026-10-18", "--sections", "vitals,labs"],
     "unknown section(s) labs"),
    (["revoke", "99"], "no share link with id 99"),
])
def test_bad_input_is_one_line(cli, args, message):
    done = cli("share", *args)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and message in done.stderr and "Traceback" not in done.stderr
