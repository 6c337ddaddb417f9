"""Pacing and waits, run in virtual time against the real server's own limit and 429 answers."""

from __future__ import annotations

import pytest
from cloud_helpers import connect_through_browser
from fake_whoop import simulate_history

from healthdesk.cloud.client import DEFAULT_429_WAIT_S
from healthdesk.cloud.clock import VirtualClock
from healthdesk.cloud.errors import CloudUnavailable
from healthdesk.cloud.ratelimit import RateLimiter
from healthdesk.store import cloud as local


def test_limiter_never_lets_more_than_the_limit_into_any_minute(aio):
    clock = VirtualClock(start=0.0)
    limiter = RateLimiter(clock, per_minute=90, per_day=9500)
    sent: list[float] = []

    async def burst():
        for _ in range(250):
            await limiter.acquire()
            sent.append(clock.monotonic())

    aio(burst())
    assert max(sum(1 for t in sent if s <= t < s + 60) for s in sent) == 90
    assert sent[-1] >= 120  # 250 requests at 90/min need two full waits


def test_limiter_day_window(aio):
    clock = VirtualClock(start=0.0)
    limiter = RateLimiter(clock, per_minute=1000, per_day=5)

    async def six():
        for _ in range(6):
            await limiter.acquire()

    aio(six())
    assert clock.monotonic() == pytest.approx(86400.0)


def test_two_year_backfill_under_a_100_per_minute_server_limit_never_gets_a_429(make_stack, fake, db, clock, aio):
    fake.data = simulate_history(days=2 * 365, seed=11)
    stack = make_stack()
    aio(connect_through_browser(stack, fake))
    start = clock.time()
    report = aio(stack.syncer().run())
    assert report.requests > 100  # enough requests that pacing had to act
    assert fake.limit_429s == 0 and report.rate_limit_waits == 0
    assert clock.time() - start >= 60.0  # the client waited on its own instead of being told to
    with local.read_session(db) as session:
        assert len(local.dump_local_copy(session)["cycle"]) == len(fake.data.cycles)


@pytest.mark.parametrize(("style", "expected_wait"), [("reset", 3.0), ("retry-after", 3.0),
                                                      ("bare", DEFAULT_429_WAIT_S)])
def test_forced_429s_are_waited_out_and_the_sync_completes(make_stack, fake, db, clock, aio, style, expected_wait):
    fake.data = simulate_history(days=30, seed=5)
    stack = make_stack()
    aio(connect_through_browser(stack, fake))
    fake.forced_429, fake.forced_429_reset, fake.forced_429_style = 3, 3, style
    before = clock.slept
    report = aio(stack.syncer().run())
    assert report.rate_limit_waits == 3
    assert clock.slept - before >= 3 * expected_wait
    assert [r.status for r in fake.data_requests()][:4] == [429, 429, 429, 200]
    with local.read_session(db) as session:
        assert len(local.dump_local_copy(session)["cycle"]) == 30


def test_5xx_burst_is_retried_with_backoff(make_stack, fake, db, clock, aio):
    fake.data = simulate_history(days=30, seed=5)
    stack = make_stack()
    aio(connect_through_browser(stack, fake))
    fake.fail_next = [500, 502, 503]
    report = aio(stack.syncer().run())
    assert stack.stats.retries == 3 and report.requests == fake_requests(fake)
    assert clock.slept >= 0.5 + 1 + 2  # exponential, with jitter between 50 % and 100 %


def fake_requests(fake) -> int:
    return len(fake.data_requests())


def test_persistent_5xx_gives_up_with_a_clear_error(make_stack, fake, db, clock, aio):
    fake.data = simulate_history(days=30, seed=5)
    stack = make_stack()
    aio(connect_through_browser(stack, fake))
    fake.fail_next = [503] * 50
    with pytest.raises(CloudUnavailable, match=r"WHOOP kept failing \(HTTP 503\); try again later"):
        aio(stack.syncer().run())
    assert len(fake.data_requests()) == 6  # 1 + 5 bounded retries
    with local.read_session(db) as session:
        state = session.get(local.WhoopSyncState, "cycle")
        assert "503" in state.last_error and not state.backfill_done
