"""One workout, several sources: a band-detected workout and a WHOOP workout (cloud or export) that overlap are
the same workout (docs/architecture.md, "WHOOP export and corrections"). Pure: lists in, merged list out.

Two records match when their starts are within MATCH_START_S or they overlap by at least half of the shorter
one. The richer record (more of strain, heart rate, zones, calories, a named activity) is primary; every source
stays listed. A record matched by nothing stays on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

MATCH_START_S = 5 * 60
MIN_OVERLAP = 0.5
# The fixed activity list a user can label a workout with (corrections, the Strain page, the CLI).
ACTIVITIES = ("Running", "Cycling", "Walking", "Hiking", "Swimming", "Rowing", "Weightlifting",
              "Functional Fitness", "HIIT", "Yoga", "Team sport", "Racket sport", "Other")
RICHNESS_FIELDS = ("strain", "avg_hr", "max_hr", "zones", "calories", "activity")


@dataclass(frozen=True)
class WorkoutRecord:
    source: str  # "band" | "whoop_cloud" | "whoop_export" | "manual"
    start: float
    end: float
    strain: float | None = None
    avg_hr: float | None = None
    max_hr: float | None = None
    zones: Sequence[float] | None = None
    calories: float | None = None
    activity: str | None = None
    edited: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MergedWorkout:
    primary: WorkoutRecord
    others: tuple[WorkoutRecord, ...] = ()

    @property
    def sources(self) -> list[str]:
        return [self.primary.source] + [o.source for o in self.others]

    @property
    def start(self) -> float:
        return self.primary.start


def same_workout(a: WorkoutRecord, b: WorkoutRecord) -> bool:
    if abs(a.start - b.start) <= MATCH_START_S:
        return True
    shared = min(a.end, b.end) - max(a.start, b.start)
    shortest = min(a.end - a.start, b.end - b.start)
    return shared > 0 and shortest > 0 and shared >= MIN_OVERLAP * shortest


def richness(w: WorkoutRecord) -> tuple[int, int]:
    """How much the record says; a user-edited record wins ties (the user looked at it)."""
    filled = sum(1 for f in RICHNESS_FIELDS if getattr(w, f) not in (None, "", ()))
    return filled, int(w.edited)


def merge_workouts(records: Sequence[WorkoutRecord]) -> list[MergedWorkout]:
    """Group matching records across sources (never two of one source), richest first; in time order."""
    groups: list[list[WorkoutRecord]] = []
    for r in sorted(records, key=lambda r: (r.start, r.source)):
        for g in groups:
            if all(m.source != r.source for m in g) and any(same_workout(m, r) for m in g):
                g.append(r)
                break
        else:
            groups.append([r])
    out = []
    for g in groups:
        ranked = sorted(g, key=lambda w: richness(w), reverse=True)
        out.append(MergedWorkout(ranked[0], tuple(ranked[1:])))
    return sorted(out, key=lambda m: m.start)


def merged_labels(labels: dict[str, str]) -> dict[str, str]:
    """Labels of merged sources ('whoop_export+band' -> 'WHOOP export + Band') for every order of 2-3 sources,
    plus 'whoop_cloud+whoop_export' (one WHOOP value, both routes agree); for the pages' source columns."""
    from itertools import permutations

    names = [s for s in labels if "+" not in s]
    out = {"+".join(p): " + ".join(labels[s] for s in p) for n in (2, 3) for p in permutations(names, n)}
    out["whoop_cloud+whoop_export"] = "WHOOP (cloud and export agree)"
    return out
