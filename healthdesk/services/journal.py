"""Journal service: answer yes/no tags per cycle, list answers, map WHOOP export questions to tags.

Used by the app's Journal panel, `healthdesk-cli journal`, and the WHOOP export importer
(`import_whoop_journal_rows`, inside the importer's own write transaction). Days are morning dates
(docs/insights.md §1): the tag on day D says what happened during cycle D.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from healthdesk.store import journal as store
from healthdesk.store.database import Database, open_database
from healthdesk.store.journal import STARTER_TAGS, JournalEntry, JournalTag, Transaction, tag_name

__all__ = ["JournalEntry", "JournalError", "JournalService", "JournalTag", "import_whoop_journal_rows",
           "morning_date_from_cycle_start", "tag_for_question", "whoop_rows_to_entries"]

# Keywords of WHOOP journal question texts -> starter tag (first match wins; every keyword must begin a word).
# The WHOOP app words its questions in many ways and languages; anything unmatched becomes its own tag.
_QUESTION_RULES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("alcohol",), "alcohol"),
    (("caffeine", "late"), "caffeine_after_2pm"),
    (("caffeine", "after"), "caffeine_after_2pm"),
    (("caffeine", "pm"), "caffeine_after_2pm"),
    (("late", "meal"), "late_meal"),
    (("eat", "close", "bed"), "late_meal"),
    (("screen", "bed"), "screen_in_bed"),
    (("phone", "bed"), "screen_in_bed"),
    (("share", "bed"), "shared_bed"),
    (("shared", "bed"), "shared_bed"),
    (("stress",), "high_stress"),
    (("sick",), "feeling_ill"),
    (("ill",), "feeling_ill"),
    (("travel",), "travel"),
    (("sauna",), "sauna"),
    (("medication",), "medication"),
)
_STARTER_LABEL = dict(STARTER_TAGS)


class JournalError(Exception):
    """Input a user can fix (unknown tag, bad date, empty tag name): one line."""


def tag_for_question(text: str) -> tuple[str, str]:
    """(tag name, label) for a WHOOP journal question text.

    Known questions map to the starter tag ('Did you drink any alcohol?' -> ('alcohol', 'Alcohol')); any other
    question becomes a tag of its own, named by `tag_name(text)` and labelled with the question itself.
    Raises ValueError for a text with no letters or digits.
    """
    words = re.findall(r"[0-9a-z]+", text.lower())
    for needed, name in _QUESTION_RULES:  # a keyword matches a word it starts ('alcohol' in 'alcoholic')
        if all(any(w.startswith(k) for w in words) for k in needed):
            return name, _STARTER_LABEL[name]
    return tag_name(text), text.strip()


def morning_date_from_cycle_start(text: str) -> date:
    """The morning date of a cycle from its local start time 'YYYY-MM-DD HH:MM:SS' (sleep onset).

    A cycle starts when the main sleep starts; its label is the date of the wake that ends it (metrics §1).
    Without the wake time: an onset from noon on is the evening before the morning (next date), an onset
    before noon is after midnight (same date). Pass the exact morning dates when the cycle table is known.
    """
    start = datetime.fromisoformat(text.strip())
    return start.date() + timedelta(days=1) if start.hour >= 12 else start.date()


def _yes(value: object) -> bool | None:
    text = str(value).strip().lower()
    if text in ("true", "yes", "1", "t", "y"):
        return True
    if text in ("false", "no", "0", "f", "n"):
        return False
    return None


@dataclass(frozen=True)
class WhoopJournalImport:
    entries: list[JournalEntry]
    tags: dict[str, str]  # name -> label of every tag the rows use
    skipped: int  # rows without a cycle start, a question or a readable yes/no


def whoop_rows_to_entries(rows: Iterable[Mapping[str, str]],
                          morning_dates: Mapping[str, date] | None = None) -> WhoopJournalImport:
    """Rows of `journal_entries.csv` (dicts keyed by the English headers) -> journal entries.

    `morning_dates` maps a row's 'Cycle start time' text to the cycle's morning date when the importer knows
    it (from physiological_cycles.csv 'Wake onset'); otherwise `morning_date_from_cycle_start` decides.
    A later row for the same (day, tag) replaces an earlier one.
    """
    by_key: dict[tuple[date, str], JournalEntry] = {}
    tags: dict[str, str] = {}
    skipped = 0
    for row in rows:
        start = (row.get("Cycle start time") or "").strip()
        question = (row.get("Question text") or "").strip()
        answer = _yes(row.get("Answered yes", ""))
        try:
            day = (morning_dates or {}).get(start) or morning_date_from_cycle_start(start)
            name, label = tag_for_question(question)
        except ValueError:
            skipped += 1
            continue
        if answer is None:
            skipped += 1
            continue
        tags.setdefault(name, label)
        note = (row.get("Notes") or "").strip() or None
        by_key[(day, name)] = JournalEntry(day, name, answer, note, "whoop_export")
    return WhoopJournalImport(sorted(by_key.values(), key=lambda e: (e.day, e.tag)), tags, skipped)


def import_whoop_journal_rows(conn: Transaction, rows: Iterable[Mapping[str, str]],
                              morning_dates: Mapping[str, date] | None = None) -> int:
    """Write a WHOOP export's journal rows in the caller's transaction; returns the entries written.

    Unknown questions become tags (source 'whoop'); re-importing the same file writes the same rows.
    """
    result = whoop_rows_to_entries(rows, morning_dates)
    tags = {name: (label, "starter" if name in _STARTER_LABEL else "whoop") for name, label in result.tags.items()}
    return store.record_answers(conn, tags, result.entries)


class JournalService:
    """The journal of one database file (opened, migrated, closed by the owner of the service)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    @classmethod
    def open(cls, path: Path) -> JournalService:
        return cls(open_database(path))

    def close(self) -> None:
        self._db.close()

    def tags(self) -> list[JournalTag]:
        with self._db.read() as conn:
            return store.list_tags(conn)

    def add_tag(self, label: str) -> JournalTag:
        """Create a user tag from its words (no-op when it exists); returns the stored tag."""
        try:
            name = tag_name(label)
        except ValueError as exc:
            raise JournalError(str(exc)) from None
        with self._db.write() as conn:
            store.ensure_tag(conn, name, label, "user")
            return next(t for t in store.list_tags(conn) if t.name == name)

    def resolve_tag(self, text: str) -> str:
        """The tag name a user typed (name or label, any case); JournalError when there is no such tag."""
        try:
            wanted = tag_name(text)
        except ValueError as exc:
            raise JournalError(str(exc)) from None
        for tag in self.tags():
            if wanted in (tag.name, tag_name(tag.label)):
                return tag.name
        raise JournalError(f"unknown tag {text!r}: see 'journal tags', or add it with 'journal tags --add'")

    def answer(self, day: date, tag: str, yes: bool, note: str | None = None, source: str = "app") -> None:
        """Record (or replace) the answer for `tag` on the cycle whose morning date is `day`."""
        name = self.resolve_tag(tag)
        with self._db.write() as conn:
            store.upsert_entries(conn, [JournalEntry(day, name, yes, note, source)])

    def clear(self, day: date, tag: str) -> bool:
        name = self.resolve_tag(tag)
        with self._db.write() as conn:
            return store.delete_entry(conn, day, name)

    def entries(self, first: date, last: date) -> list[JournalEntry]:
        if last < first:
            raise JournalError(f"--to {last} is before --from {first}")
        with self._db.read() as conn:
            return store.entries_between(conn, first, last)

    def answers_for(self, day: date) -> dict[str, bool]:
        """tag name -> yes/no for one day (tags not answered are absent)."""
        return {e.tag: e.answered_yes for e in self.entries(day, day)}
