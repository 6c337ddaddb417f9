"""Journal panel: quick yes/no chips for yesterday's cycle (docs/insights.md §1).

Each chip cycles: not answered -> yes -> no -> not answered. Reads and writes go through services.journal on
the task runner's reader thread, never on the paint path. Without a database the panel says so.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QWidget

from healthdesk.services.journal import JournalService, JournalTag
from healthdesk.ui.context import AppContext
from healthdesk.ui.widgets.common import Card

NEXT_STATE = {None: True, True: False, False: None}
MARK = {None: "", True: " \u2713 yes", False: " \u2717 no"}
COLUMNS = 5


class JournalChip(QPushButton):
    def __init__(self, tag: JournalTag, parent: QWidget | None = None) -> None:
        super().__init__(tag.label, parent)
        self.tag = tag
        self.answer: bool | None = None
        self.setObjectName("journalChip")
        self.setToolTip(f"{tag.label}: click for yes, again for no, again to clear")

    def set_answer(self, answer: bool | None) -> None:
        self.answer = answer
        self.setText(self.tag.label + MARK[answer])
        self.setProperty("answer", {None: "none", True: "yes", False: "no"}[answer])
        self.style().unpolish(self)
        self.style().polish(self)


class JournalPanel(Card):
    """Yesterday's journal on Today. `loaded` fires after each (re)load, `answered` after each write."""

    loaded = Signal()
    answered = Signal(str, object)  # tag name, True | False | None

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Journal", parent)
        self.context = context
        self.day: date = datetime.now().date() - timedelta(days=1)
        self.caption = QLabel("")
        self.caption.setObjectName("muted")
        self.caption.setWordWrap(True)
        self.body.addWidget(self.caption)
        self.grid = QGridLayout()
        self.grid.setSpacing(6)
        self.body.addLayout(self.grid)
        self.chips: dict[str, JournalChip] = {}
        self._show_caption()

    def _service(self) -> JournalService | None:
        dashboard = self.context.dashboard
        database = dashboard.database if dashboard is not None else None
        return JournalService(database) if database is not None else None

    def _show_caption(self, note: str = "") -> None:
        self.caption.setText(note or f"Yesterday ({self.day:%a %d %b}): what happened? Tap once for yes, twice "
                                     "for no. Insights pair each answer with the next morning.")

    def refresh(self, day: date | None = None) -> None:
        """Reload the chips for `day`; without one, for yesterday as of now (the app may run past midnight)."""
        self.day = day or datetime.now().date() - timedelta(days=1)
        service = self._service()
        if service is None:
            self._show_caption("The journal opens once the database is ready.")
            self.loaded.emit()
            return
        target = self.day

        def load() -> tuple[list[JournalTag], dict[str, bool]]:
            return service.tags(), service.answers_for(target)

        self.context.runner.spawn(self.context.runner.run_blocking(load), name="Loading the journal",
                                  on_result=self.show_answers)

    def show_answers(self, data: tuple[list[JournalTag], dict[str, bool]]) -> None:
        tags, answers = data
        if [c.tag for c in self.chips.values()] != tags:
            for chip in self.chips.values():
                self.grid.removeWidget(chip)
                chip.deleteLater()
            self.chips = {}
            for i, tag in enumerate(tags):
                chip = JournalChip(tag)
                chip.clicked.connect(lambda _=False, name=tag.name: self._clicked(name))
                self.grid.addWidget(chip, i // COLUMNS, i % COLUMNS)
                self.chips[tag.name] = chip
        for name, chip in self.chips.items():
            chip.set_answer(answers.get(name))
        self._show_caption()
        self.loaded.emit()

    def _clicked(self, name: str) -> None:
        chip = self.chips[name]
        new = NEXT_STATE[chip.answer]
        chip.set_answer(new)  # show it at once; the write follows on the reader thread
        service = self._service()
        if service is None:
            return
        day = self.day

        def write() -> None:
            if new is None:
                service.clear(day, name)
            else:
                service.answer(day, name, new)

        self.context.runner.spawn(self.context.runner.run_blocking(write), name="Saving the journal",
                                  on_result=lambda _: self.answered.emit(name, new))
