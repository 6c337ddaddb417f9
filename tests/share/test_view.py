"""The clinician view and its downloads over a real server: scope, escaping, downloads of the same scope."""

from __future__ import annotations

import io
import json
import re

from pypdf import PdfReader

from .share_store import AFTER, BEFORE, INSIDE_DAYS, WINDOW, asleep_min, hrv, resting_hr


def test_view_shows_exactly_the_window(running):
    link = running.link()
    r = running.client.get(link.url)
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    html = r.text
    # Every inside day is plotted (chart point titles carry day and value) ...
    for day in INSIDE_DAYS:
        assert f"{day.isoformat()}: {resting_hr(day):.0f}</title>" in html
        assert f"{day.isoformat()}: {hrv(day):.0f}</title>" in html
    # ... and the days just outside the window appear nowhere: no date, no sentinel value.
    for day in (BEFORE, AFTER):
        assert day.isoformat() not in html
    assert f"workout-{WINDOW[0]}" not in html and "workout-2026-10-10" in html
    # Summary row: min/median/max of the inside values only (sentinels are >= 90 bpm).
    row = re.search(r"<td>Resting heart rate</td>(.*?)</tr>", html).group(1)
    cells = re.findall(r">([^<]*)</td>", row)
    assert cells[2:6] == [str(len(INSIDE_DAYS)), "50", "56", "63"]
    # Sleep table rows: one per inside night, with the night's own value.
    for day in INSIDE_DAYS:
        assert f"<td>{day.isoformat()}</td><td>Band</td>" in html
        assert f'<td class="num">{asleep_min(day):.0f}</td>' in html  # asleep minutes, as summary and the app
    assert "<script" not in html.lower()


def test_sections_not_shared_are_absent_and_named(running):
    link = running.link(sections=("vitals",))
    html = running.client.get(link.url).text
    assert 'id="vitals"' in html
    for absent in ('id="sleep"', 'id="workouts"', 'id="wellness"', "workout-2026-10-10"):
        assert absent not in html
    assert "Not shared (not the same as no data): Sleep, Workouts, Wellness scores." in html


def test_label_is_escaped(running):
    link = running.link(label='<script>alert("x")</script> & Dr. <b>')
    html = running.client.get(link.url).text
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Dr. &lt;b&gt;" in html


def test_downloads_carry_the_same_scope(running):
    link = running.link(sections=("vitals", "sleep"))
    pdf = running.client.get(link.url + "/report.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert "attachment" in pdf.headers["content-disposition"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert f"{WINDOW[0].isoformat()} to {WINDOW[1].isoformat()}" in text
    assert "Wellness scores - not a diagnosis" not in text  # wellness not shared

    bundle = running.client.get(link.url + "/bundle.json")
    assert bundle.status_code == 200 and bundle.headers["content-type"].startswith("application/fhir+json")
    doc = json.loads(bundle.content)
    assert doc["type"] == "document"
    observations = [e["resource"] for e in doc["entry"] if e["resource"]["resourceType"] == "Observation"]
    # named by the morning date (docs/metrics.md §1): a night or a cycle day ends on the day it is named by
    days = {o["effectivePeriod"]["end"][:10] for o in observations if "effectivePeriod" in o}
    assert days == {d.isoformat() for d in INSIDE_DAYS}
    values = {o["valueQuantity"]["value"] for o in observations
              if o["code"]["coding"][0]["code"] == "40443-4"}
    assert values == {resting_hr(d) for d in INSIDE_DAYS}
    assert not any(o["category"][0]["coding"][0]["code"] == "survey" for o in observations)


def test_a_shared_period_without_data_says_so_in_words(running):
    from datetime import date

    link = running.link(window=(date(2025, 3, 1), date(2025, 3, 31)))
    html = running.client.get(link.url).text
    for sentence in ("No vital-sign data recorded in this period", "No sleep sessions recorded in this period.",
                     "No workouts recorded in this period.", "No wellness scores recorded in this period.",
                     "Data coverage: no data recorded in this period."):
        assert sentence in html
