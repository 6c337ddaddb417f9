"""The Share & export page's "Period review" box: unchecked by default, and a link made with it ticked
shows the review section (real server on 127.0.0.1), one made without it does not."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import httpx

from healthdesk.ui.context import AppContext
from healthdesk.ui.pages.share import SharePage

from .test_share_page import click, free_port, open_page


def _make_link(page: SharePage, qtbot, label: str) -> str:
    share = page.share
    qtbot.keyClicks(share.label, label)
    with qtbot.waitSignal(share.links_shown, timeout=20_000):
        click(qtbot, share.create_button)
    return share.url.text()


def test_period_review_box_is_off_by_default_and_scopes_the_link(
    context: AppContext, qtbot, home: Path
) -> None:
    page: SharePage = open_page(context, qtbot)
    box = page.period.section_boxes["review"]
    assert box.text() == "Period review" and not box.isChecked()
    assert "review" not in page.period.sections()
    assert all(b.isChecked() for key, b in page.period.section_boxes.items() if key != "review")

    share = page.share
    share.port.setValue(free_port())
    with qtbot.waitSignal(share.server_changed, timeout=20_000):
        click(qtbot, share.server_button)
    page.period.set_period(date.today() - timedelta(days=13), date.today())
    without = _make_link(page, qtbot, "Dr. Plain")
    box.setChecked(True)
    assert "review" in page.period.sections()
    with_review = _make_link(page, qtbot, "Dr. Review")
    try:
        plain, reviewed = httpx.get(without, timeout=30).text, httpx.get(with_review, timeout=30).text
    finally:
        with qtbot.waitSignal(share.server_changed, timeout=20_000):
            click(qtbot, share.server_button)
    assert 'id="review"' not in plain
    assert 'id="review"' in reviewed
    # an empty store: the section says what is missing in one line, and no sentence
    assert "Not enough data for a period review:" in reviewed and "this week" not in reviewed
