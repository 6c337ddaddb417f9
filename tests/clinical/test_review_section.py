"""The optional "Period review" section of the clinician PDF (off by default; docs/insights.md §3).

Real store, real CLI, text read back with pypdf. The planted 4-bpm resting-HR rise over the last week must
appear as the Insights page's sentence with its size; without 'review' in --sections nothing of it appears.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from healthdesk.clinical.review_text import REVIEW_NOTE
from healthdesk.core.insights.wording import causal_words
from healthdesk.services.insights import InsightsService
from healthdesk.store.database import open_database

from .review_store import LAST, PLANTED_BPM, RISE, fill_history, section_text
from .test_export import GEN, _cli, _pdf_text

TWO_WEEKS = ["--from", (LAST - timedelta(days=13)).isoformat(), "--to", LAST.isoformat(), "--timezone", "UTC"]


@pytest.fixture
def history_home(home):
    fill_history(home / "healthdesk.db")
    return home


def _export(capsys, out, *extra: str) -> str:
    code, _, err = _cli(capsys, "export", "pdf", *TWO_WEEKS, "--out", str(out), "--generated-at", GEN, *extra)
    assert (code, err) == (0, "")
    return _pdf_text(out)


def test_review_in_the_pdf_names_the_planted_rise_with_its_size(history_home, tmp_path, capsys):
    text = _export(capsys, tmp_path / "r.pdf", "--sections", "vitals,sleep,review")
    review = section_text(text, "Period review", "Notes")
    hit = RISE.search(review)
    assert hit, review
    median, up, before = (float(g) for g in hit.groups())
    assert up == pytest.approx(PLANTED_BPM, abs=1.2) and up == pytest.approx(median - before, abs=0.11)
    assert REVIEW_NOTE in review
    # the week ending at the period end against the week before, by date
    assert f"The week {(LAST - timedelta(days=6)).isoformat()} to {LAST.isoformat()}" in review
    assert "Resting HR" in review and "above" in review  # the numbers table: the metric and its position
    # the same sentence the Insights page shows for that week (the app's text, word for word)
    with open_database(history_home / "healthdesk.db") as db:
        app_sentences = InsightsService(db).review("week", LAST).sentences
    assert " ".join(app_sentences[0].split()) in review
    # wording: no causal word anywhere in the rendered section (the note is the one 'not causes' disclaimer)
    assert causal_words(review.replace(REVIEW_NOTE, "")) == []


def test_no_review_unless_asked(history_home, tmp_path, capsys):
    text = _export(capsys, tmp_path / "plain.pdf")  # default sections
    assert "Period review" not in text and REVIEW_NOTE not in text and not RISE.search(text)


def test_a_long_period_is_reviewed_by_its_month(history_home, tmp_path, capsys):
    code, _, err = _cli(capsys, "export", "pdf", "--from", (LAST - timedelta(days=29)).isoformat(), "--to",
                        LAST.isoformat(), "--timezone", "UTC", "--out", str(tmp_path / "m.pdf"),
                        "--generated-at", GEN, "--sections", "review")
    assert (code, err) == (0, "")
    review = section_text(_pdf_text(tmp_path / "m.pdf"), "Period review", "Notes")
    assert f"The month {LAST.replace(day=1).isoformat()} to {LAST.isoformat()}" in review


def test_too_little_history_says_what_is_missing_in_one_line(home, tmp_path, capsys):
    fill_history(home / "healthdesk.db", n_days=5)
    text = _export(capsys, tmp_path / "short.pdf", "--sections", "vitals,review")
    review = section_text(text, "Period review", "Notes")
    assert "Not enough data for a period review:" in review and "needs 7" in review
    assert not RISE.search(review) and "this week" not in review  # no sentence at all


def test_unknown_section_is_still_one_line(history_home, tmp_path, capsys):
    code, _, err = _cli(capsys, "export", "pdf", *TWO_WEEKS, "--out", str(tmp_path / "x.pdf"),
                        "--sections", "vitals,reviews")
    assert code != 0 and "reviews" in err and "review" in err and len(err.strip().splitlines()) == 1
