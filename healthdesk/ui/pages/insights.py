"""Insights: the week's or month's review in plain sentences, drivers that survive a false-discovery test,
personal bests and streaks, and the journal's recent answers (docs/insights.md). Associations, never causes.

Everything is computed by services.insights on the task runner's reader thread (the drivers run 9,999
permutations); the page only lays out the result.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QComboBox, QDateEdit, QHBoxLayout, QLabel, QPushButton, QWidget

from healthdesk.core.insights.drivers import Cell
from healthdesk.core.insights.wording import amount, size, words
from healthdesk.services.insights import InsightsOverview, InsightsService
from healthdesk.ui.context import AppContext
from healthdesk.ui.widgets.common import DASH, Card, Page

NO_DATA = ("No daily values yet. Drain the band, sync WHOOP or import a WHOOP export; the review needs a week "
           "plus the 30 days before it, and drivers need at least 20 journal days.")


def driver_line(cell: Cell, label: str) -> str:
    """One driver in the page's words ('went with', never a cause)."""
    outcome = words(cell.outcome).noun
    delta = cell.delta or 0.0
    if cell.kind == "tag":
        direction = "lower" if delta < 0 else "higher"
        return (f"{label} went with {size(cell.outcome, delta)} {direction} {outcome} the next morning "
                f"({cell.n_tagged} days with it vs {cell.n_untagged} without; d = {cell.d:+.2f}, p = {cell.p:.4f}, "
                f"q = {cell.q:.3f}). An association, not a cause.")
    direction = "higher" if delta > 0 else "lower"
    return (f"Higher {words(cell.tag).noun} went with {direction} {outcome} the next morning "
            f"({amount(cell.outcome, abs(delta))} per unit, r = {cell.r:+.2f}, n = {cell.n}, q = {cell.q:.3f}). "
            f"An association, not a cause.")


def _label(text: str = "", muted: bool = False) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    if muted:
        label.setObjectName("muted")
    return label


class InsightsPage(Page):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Insights", parent)
        self.context = context
        self.overview: InsightsOverview | None = None
        self.kind, self.end = "week", None  # end None: the latest day with data
        controls = QHBoxLayout()
        self.this_week = QPushButton("This week")
        self.this_month = QPushButton("This month")
        self.kind_box = QComboBox()
        self.kind_box.addItems(["week", "month"])
        self.end_edit = QDateEdit()
        self.end_edit.setCalendarPopup(True)
        self.end_edit.setDisplayFormat("yyyy-MM-dd")
        self.end_edit.setDate(QDate.currentDate().addDays(-1))
        self.pick = QPushButton("Show period")
        self.this_week.clicked.connect(lambda: self.show_period("week", None))
        self.this_month.clicked.connect(lambda: self.show_period("month", None))
        self.pick.clicked.connect(self._picked)
        for w in (self.this_week, self.this_month, _label("or a", muted=True), self.kind_box,
                  _label("ending", muted=True), self.end_edit, self.pick):
            controls.addWidget(w)
        controls.addStretch(1)
        self.content.addLayout(controls)
        self.status = _label("", muted=True)
        self.content.addWidget(self.status)
        self.review_card, self.review_text = self._card("Review")
        self.drivers_card, self.drivers_text = self._card("Drivers (associations that pass q \u2264 0.10, |d| \u2265 0.5)")
        self.records_card, self.records_text = self._card("Personal bests")
        self.streaks_card, self.streaks_text = self._card("Streaks")
        self.journal_card, self.journal_text = self._card("Journal, last 14 days")
        self.content.addStretch(1)
        self._empty()

    def _card(self, title: str) -> tuple[Card, QLabel]:
        card = Card(title)
        text = _label()
        text.setTextFormat(Qt.TextFormat.PlainText)
        card.body.addWidget(text)
        self.content.addWidget(card)
        return card, text

    def _empty(self, note: str = NO_DATA) -> None:
        self.status.setText(note)
        for label in (self.review_text, self.drivers_text, self.records_text, self.streaks_text, self.journal_text):
            label.setText(DASH)

    def _picked(self) -> None:
        self.show_period(self.kind_box.currentText(), self.end_edit.date().toPython())

    def show_period(self, kind: str, end: date | None) -> None:
        self.kind, self.end = kind, end
        self.refresh()

    def refresh(self) -> None:
        ctx = self.context
        database = ctx.dashboard.database if ctx.dashboard is not None else None
        if database is None:
            self._empty()
            self.loaded.emit()
            return
        service = InsightsService(database)
        kind, end = self.kind, self.end
        self.status.setText("Working it out\u2026 (drivers run 9,999 permutations)")

        def load() -> tuple[InsightsOverview, list[tuple[date, str, bool]]]:
            from healthdesk.services.journal import JournalService

            overview = service.overview(kind, end)
            last = overview.last_day or datetime.now().date()
            entries = JournalService(database).entries(last - timedelta(days=13), last)
            return overview, [(e.day, e.tag, e.answered_yes) for e in entries]

        ctx.runner.spawn(ctx.runner.run_blocking(load), name="Working out insights", on_result=self.show_overview)

    def show_overview(self, data: tuple[InsightsOverview, list[tuple[date, str, bool]]]) -> None:
        overview, journal = data
        self.overview = overview
        if overview.review is None:
            self._empty()
            self.loaded.emit()
            return
        review = overview.review
        self.status.setText(f"{review.period.kind.capitalize()} {review.period.start:%a %d %b} \u2013 "
                            f"{review.period.end:%a %d %b %Y}, compared with {review.prior.start:%d %b} \u2013 "
                            f"{review.prior.end:%d %b}. Descriptions of your own numbers; never a diagnosis.")
        if review.status == "insufficient":
            self.review_text.setText("Not enough data for this review yet:\n" +
                                     "\n".join(f"\u2022 {m}" for m in review.missing))
        else:
            self.review_text.setText("\n\n".join(review.sentences))
        drivers = overview.drivers
        if drivers is None or not drivers.tested:
            self.drivers_text.setText("No tag has enough answers yet: a tag needs 20 answered days with at least 5 "
                                      "yes and 5 no (log them on Today or with 'healthdesk-cli journal add').")
        elif not drivers.drivers:
            self.drivers_text.setText(f"{drivers.tested} combinations tested; none passed the false-discovery "
                                      "test with a meaningful size. That is a result, not a gap.")
        else:
            lines = [driver_line(c, overview.tag_labels.get(c.tag, c.tag)) for c in drivers.drivers]
            self.drivers_text.setText("\n\n".join(lines) + f"\n\n({drivers.tested} combinations tested.)")
        self.records_text.setText("\n".join(
            f"{b.title}: {DASH + ' never measured' if b.value is None else amount(b.metric, b.value)}"
            f"{f' on {b.day:%a %d %b %Y}' if b.day else ''}" for b in overview.bests) or DASH)
        self.streaks_text.setText("\n".join(
            f"{s.title}: longest {s.longest} days"
            + (f" ({s.longest_start:%d %b %Y} \u2013 {s.longest_end:%d %b %Y})" if s.longest_start else "")
            + f", current {s.current}" for s in overview.streaks) or DASH)
        if journal:
            self.journal_text.setText("\n".join(
                f"{d:%a %d %b}: {overview.tag_labels.get(t, t)} \u2013 {'yes' if yes else 'no'}"
                for d, t, yes in journal))
        else:
            self.journal_text.setText("No journal answers in the last 14 days.")
        self.loaded.emit()
