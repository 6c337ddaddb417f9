"""Corrections are exported as such: the clinician PDF marks an edited night and a relabelled workout, the FHIR
bundle tags the edited sleep's Observation in meta.tag (real CLI export, real PDF text extraction)."""

from __future__ import annotations

import json
import shutil
from datetime import date

from pypdf import PdfReader

from healthdesk.services import corrections
from healthdesk.services.derive import derive
from healthdesk.store.database import open_database
from tests.export.conftest import TZ
from tests.export.helpers import cli

SPAN = (date(2023, 11, 1), date(2023, 12, 1))
LOCAL = {"TZ": "Etc/GMT-1"}  # the simulated wearer's clock


def test_pdf_and_fhir_say_what_the_user_edited(derived_db, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(derived_db, home / "healthdesk.db")
    with open_database(home / "healthdesk.db") as db:
        night = [i for i in corrections.list_items(db, "sleep", *SPAN) if i.kind == "main"][3]
        corrections.edit_sleep(db, night.ref, night.start + 1200, None)
        workout = corrections.list_items(db, "workout", *SPAN)[0]
        corrections.label_workout(db, workout.ref, "Rowing")
        derive(db, night.start - 43200, night.end + 43200, tz_offset_s=TZ)  # as the CLI and the app do after a change
    args = ("--from", "2023-11-14", "--to", "2023-11-24", "--generated-at", "2023-11-25T09:00:00+01:00")
    cli(home, "export", "fhir", *args, "--out", tmp_path / "b.json", env=LOCAL)
    cli(home, "export", "pdf", *args, "--out", tmp_path / "r.pdf", env=LOCAL)
    bundle = json.loads((tmp_path / "b.json").read_text())
    sleeps = [e["resource"] for e in bundle["entry"] if e["resource"].get("resourceType") == "Observation"
              and e["resource"].get("effectivePeriod") and "sleep" in json.dumps(e["resource"]["code"]).lower()]
    tagged = [r for r in sleeps if any(t.get("code") == "edited" for t in r["meta"]["tag"])]
    assert len(tagged) == 1
    assert tagged[0]["effectivePeriod"]["start"].startswith("2023-11")
    assert any("Edited by the user" in n["text"] for n in tagged[0]["note"])
    assert all(r["meta"]["tag"][0]["code"] == "band" for r in tagged)  # the source tag stays first
    text = "\n".join(page.extract_text() for page in PdfReader(tmp_path / "r.pdf").pages)
    assert "Edited by the user" in text and "Rowing (edited)" in text
