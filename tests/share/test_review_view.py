"""The optional period review in the clinician view, over a real share server on 127.0.0.1.

Shown only when the link's frozen sections include 'review'; the same sentence as the Insights page for the
planted 4-bpm resting-HR rise; no causal word in the rendered section.
"""

from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta

import pytest

from healthdesk.clinical.review_text import REVIEW_NOTE
from healthdesk.core.insights.wording import causal_words
from healthdesk.services.insights import InsightsService
from healthdesk.services.share import LinkRequest, ShareError
from healthdesk.store.database import open_database
from tests.clinical.review_store import LAST, PLANTED_BPM, RISE, fill_history

from .conftest import start

WINDOW = (LAST - timedelta(days=13), LAST)


@pytest.fixture
def review_server(home):
    fill_history(home / "healthdesk.db")
    run = start(home / "healthdesk.db", home)
    yield run
    run.client.close()
    run.service.close()


def _view(run, sections: tuple[str, ...]) -> str:
    link = run.service.create_link(LinkRequest("Dr. Review", *WINDOW, frozenset(sections), False, 7, "UTC"))
    r = run.client.get(link.url)
    assert r.status_code == 200
    return r.text


def _section(html: str) -> str:
    found = re.search(r'<section id="review">(.*?)</section>', html, re.S)
    assert found, "no review section"
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", found.group(1)))


def test_review_shown_only_when_the_link_names_it(review_server):
    plain = _view(review_server, ("vitals", "sleep"))
    assert 'id="review"' not in plain and "Period review" not in plain and not RISE.search(plain)

    html = _view(review_server, ("vitals", "review"))
    text = " ".join(_section(html).split())
    hit = RISE.search(text)
    assert hit, text
    median, up, before = (float(g) for g in hit.groups())
    assert up == pytest.approx(PLANTED_BPM, abs=1.2) and up == pytest.approx(median - before, abs=0.11)
    assert REVIEW_NOTE in text and "Resting HR" in text
    assert "Shared: Vital signs, Period review." in html
    with open_database(review_server.service.database) as db:
        assert " ".join(InsightsService(db).review("week", LAST).sentences[0].split()) in text
    assert causal_words(text.replace(REVIEW_NOTE, "")) == []


def test_unknown_section_names_are_refused(review_server):
    with pytest.raises(ShareError, match="review"):
        review_server.service.create_link(LinkRequest("x", *WINDOW, frozenset({"reviews"}), False, 7, "UTC"))
