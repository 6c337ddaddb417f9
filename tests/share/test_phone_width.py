"""The clinician view on a phone: real headless Chromium lays out the page the share server sends at 390 px
(an iframe of that width; desktop Chromium windows are never narrower than 500 px). Nothing may stick out to
the right except inside a table's own horizontal scroller, and chart text must be legible at that size.
The same page at desktop width keeps its wide charts."""

from __future__ import annotations

import json
import re

import pytest

from healthdesk.services.headless_browser import chromium_path, dump_dom

pytestmark = pytest.mark.skipif(chromium_path() is None, reason="Chromium not installed (make system-deps)")

MIN_CHART_TEXT_PX = 10.0  # rendered size of the smallest chart label

MEASURE = """<script>
window.addEventListener('load', () => {
  const frame = document.getElementById('phone');
  const doc = frame.contentDocument, win = frame.contentWindow;
  const vw = doc.documentElement.clientWidth;
  const scrolls = el => {
    for (let p = el.parentElement; p && p !== doc.body; p = p.parentElement) {
      const o = win.getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll') return true;
    }
    return false;
  };
  const name = el => el.tagName.toLowerCase() + ' "' + (el.textContent || '').trim().slice(0, 40) + '"';
  const out = {vw, innerWidth: win.innerWidth, scrollWidth: doc.documentElement.scrollWidth,
               overflow: [], smallText: [], charts: [], scrollers: 0, tables: 0};
  for (const el of doc.body.querySelectorAll('*')) {
    if (el.closest('svg') && el.tagName.toLowerCase() !== 'svg') continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.right > vw + 0.5 && !scrolls(el)) out.overflow.push(name(el) + ' right=' + r.right.toFixed(0));
  }
  for (const t of doc.querySelectorAll('svg text')) {
    if (t.getBoundingClientRect().height === 0) continue;  // in a chart hidden at this width
    const px = parseFloat(t.getAttribute('font-size') || '16') * t.getScreenCTM().a;
    if (px < %MIN%) out.smallText.push(name(t) + ' ' + px.toFixed(1) + 'px');
  }
  for (const s of doc.querySelectorAll('svg.chart')) {
    const r = s.getBoundingClientRect();
    if (r.width > 0) out.charts.push(r.width);
  }
  for (const t of doc.querySelectorAll('table')) {
    if (t.getBoundingClientRect().width === 0) continue;
    out.tables += 1;
    if (scrolls(t)) out.scrollers += 1;
  }
  const pre = document.createElement('pre');
  pre.id = 'result';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>""".replace("%MIN%", str(MIN_CHART_TEXT_PX))


def measure(html: str, size: tuple[int, int]) -> dict:
    dom = dump_dom(html, MEASURE, size)
    found = re.search(r'<pre id="result">(.*?)</pre>', dom, re.S)
    assert found, "the measuring script did not run"
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


@pytest.fixture
def view_html(running) -> str:
    response = running.client.get(running.link().url)
    assert response.status_code == 200
    return response.text


def test_nothing_overflows_at_390px_and_chart_text_is_legible(view_html: str) -> None:
    m = measure(view_html, (390, 844))
    assert m["innerWidth"] == 390 and m["vw"] <= 390  # the page really was laid out at phone width
    assert m["scrollWidth"] <= m["vw"], m  # no sideways scrolling of the page
    assert m["overflow"] == [], m["overflow"]  # header values, tables, charts: all inside the screen
    assert m["charts"] and max(m["charts"]) <= m["vw"]  # charts sized to the screen
    assert m["smallText"] == [], m["smallText"]
    assert m["tables"] >= 3 and m["scrollers"] == m["tables"]  # wide tables scroll inside their own box


def test_desktop_width_keeps_the_wide_charts(view_html: str) -> None:
    m = measure(view_html, (1280, 900))
    assert m["innerWidth"] == 1280 and m["scrollWidth"] <= m["vw"] and m["overflow"] == []
    assert m["charts"] and min(m["charts"]) >= 600  # the wide charts, not the phone ones
    assert m["smallText"] == []
