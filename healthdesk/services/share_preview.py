"""The share view as a clinician's phone shows it, for `healthdesk --screenshot` (docs/images/share-390*.png).

Renders the same HTML the share server sends for a link (clinical/share/views.py) for the newest 30 days of
the database, without minting a link, and photographs it in headless Chromium at 390 px.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from healthdesk import __version__
from healthdesk.clinical.loader import load_report_data
from healthdesk.clinical.report_data import SECTIONS, Period
from healthdesk.clinical.share.scope import scoped_report
from healthdesk.clinical.share.views import render_view
from healthdesk.services.export import local_timezone_name
from healthdesk.services.headless_browser import PHONE, screenshot
from healthdesk.store.database import open_database
from healthdesk.store.share import ShareLink

PREVIEW_DAYS = 30
PREVIEW_TOKEN = "preview"  # the download links in the picture point nowhere


def share_view_html(database: Path, end: date | None = None, days: int = PREVIEW_DAYS) -> str:
    """The clinician view of every section for `days` days up to `end` (today), as a link would show it."""
    last = end or date.today()
    period = Period(last - timedelta(days=days - 1), last, local_timezone_name())
    now = datetime.now(UTC).replace(microsecond=0)
    link = ShareLink(id=0, label="Preview", start=period.start, end=period.end, timezone=period.timezone,
                     sections=frozenset(SECTIONS), fhir=False, created_at=now, expires_at=now + timedelta(days=7),
                     revoked_at=None, token_hash="", access_count=0, last_access_at=None)
    db = open_database(database)
    try:
        data = load_report_data(db, period, generated_at=now, app_version=__version__)
    finally:
        db.close()
    return render_view(scoped_report(data, link), link, PREVIEW_TOKEN).decode("utf-8")


FULL_HEIGHT = 2400  # the long picture: header, vitals table, charts and the start of the sleep table


def save_phone_screenshot(database: Path, out: Path, end: date | None = None) -> Path:
    """Blocking: `out` (the first phone screen, 390 x 844) and `out`-full.png (390 x 2400, the charts and
    tables too). BrowserError (one line) when Chromium is missing or fails."""
    html = share_view_html(database, end)
    screenshot(html, out.with_name(f"{out.stem}-full{out.suffix}"), (PHONE[0], FULL_HEIGHT))
    return screenshot(html, out, PHONE)
