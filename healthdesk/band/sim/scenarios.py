"""Scenarios of the simulated person's nightly physiology (docs/metrics.md §26).

The generator draws every night's resting HR, RMSSD and breathing rate independently around the person's
typical values; a scenario then reshapes that series before any signal is built, so the records and the
ground truth always agree:

* `stationary`: nothing changes (the draws as they are) - the person of §26.1-3.
* `improving`: fitter week by week: resting HR falls 4 bpm and RMSSD rises 25 % linearly over 60 nights.
* `events`: from night EVENT_FIRST on, every EVENT_EVERY-th night is an event, alternately a bad night
  (RHR typical + 8 bpm, RMSSD typical - 40 %) and a very good one (RHR typical - 4 bpm, RMSSD typical + 30 %);
  the truth marks them (`event = "bad" | "good"`) so §26.4 can check that recovery answers them. All else is
  equal on an event night: it lasts the person's typical 7.4 h and breathes at the typical 15 br/min, so the
  event is the HRV/RHR change alone (the random draws are still made, so every other night's physiology is
  exactly the stationary one's).

Events are set relative to the person's typical values, not the night's own draw, so "bad" is always as bad
as the scenario says. Nights are counted from the first generated night.
"""

from __future__ import annotations

from typing import Protocol

SCENARIOS = ("stationary", "improving", "events")
IMPROVING_RHR_PER_NIGHT = -4.0 / 60
IMPROVING_LN_RMSSD_PER_NIGHT = 0.25 / 60  # +25 % over 60 nights (ln-linear)
EVENT_FIRST = 20  # after the 14-night calibration, with a settled baseline
EVENT_EVERY = 6  # at most ~1 night in 6: events never dominate the trailing 30-night baseline
BAD = (+8.0, 0.60)  # (RHR shift in bpm, RMSSD factor)
GOOD = (-4.0, 1.30)
TYPICAL_SLEEP_H = 7.4  # the generator's mean night
TYPICAL_RESP_BPM = 15.0  # the middle of the generator's 12.5-17.5 br/min


class _Night(Protocol):
    resting_hr: float
    rmssd_ms: float
    event: str


def apply_scenario(scenario: str, nights: list[_Night], resting_hr: float, rmssd_ms: float) -> None:
    """Reshape the nights' truth in place (see the module doc); unknown names raise ValueError."""
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r} (choose from {', '.join(SCENARIOS)})")
    if scenario == "improving":
        for k, night in enumerate(nights):
            night.resting_hr = round(night.resting_hr + IMPROVING_RHR_PER_NIGHT * k, 2)
            night.rmssd_ms = round(night.rmssd_ms * 2.718281828459045 ** (IMPROVING_LN_RMSSD_PER_NIGHT * k), 2)
    elif scenario == "events":
        for k, night in enumerate(nights):
            kind = event_kind(scenario, k)
            if kind:
                shift, factor = BAD if kind == "bad" else GOOD
                night.resting_hr = round(resting_hr + shift, 2)
                night.rmssd_ms = round(rmssd_ms * factor, 2)
                night.event = kind


def event_kind(scenario: str, night_index: int) -> str:
    """"bad", "good" or "" for the night with this index (0 = the first generated night)."""
    if scenario != "events" or night_index < EVENT_FIRST or (night_index - EVENT_FIRST) % EVENT_EVERY:
        return ""
    return "bad" if (night_index - EVENT_FIRST) // EVENT_EVERY % 2 == 0 else "good"
