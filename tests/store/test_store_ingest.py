"""services.ingest + store read API on real wire frames and real SQLite files."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
import sqlalchemy.exc

from healthdesk.core.rollups import minute_rollups
from healthdesk.services.ingest import ingest_frames
from healthdesk.store.band_reads import (
    UnknownDevice,
    events_between,
    list_devices,
    minute_rollups_between,
    records_between,
)
from healthdesk.store.codec import unpack_frames
from healthdesk.store.database import open_database

T0, T1 = 0, 2**32


@pytest.fixture
def db(tmp_path):
    with open_database(tmp_path / "healthdesk.db") as database:
        yield database


def _archived(db) -> list[list[bytes]]:
    with db.read() as conn:
        return [unpack_frames(b) for (b,) in conn.exec_driver_sql("select blob from raw_frame_batches order by id")]


def test_records_are_stored_once_per_version_and_counter(db, make_samples, make_frames):
    samples = make_samples(3000)
    first = ingest_frames(db, "band", make_frames(samples[:2000]), received_at=1.0)
    assert (first.records_new, first.records_duplicate, first.frames_total) == (2000, 0, 2000)
    second = ingest_frames(db, "band", make_frames(samples[1000:]), received_at=2.0)
    assert (second.records_new, second.records_duplicate) == (1000, 1000)
    stored = records_between(db, "band", T0, T1)
    assert stored.tobytes() == samples.tobytes()  # every field, in time order

    # Same counter, other version: a different record. Same (version, counter), other content: the stored wins.
    v12 = samples[:1].copy()
    v12["version"] = 12
    changed = samples[5:6].copy()
    changed["hr"] = 222
    third = ingest_frames(db, "band", make_frames(np.concatenate([v12, changed, v12])), received_at=3.0)
    assert (third.records_new, third.records_duplicate, third.records_conflicting) == (1, 2, 1)
    stored = records_between(db, "band", T0, T1)
    assert len(stored) == 3001 and 222 not in stored["hr"].tolist()
    assert sorted(stored[stored["counter"] == samples["counter"][0]]["version"].tolist()) == [12, 24]

    # Inside one batch too, the first copy wins and a differing second copy is counted as a conflict.
    other = make_samples(2, counter0=900_000)
    clash = other[:1].copy()
    clash["unix"] += 3600
    fourth = ingest_frames(db, "band", make_frames(np.concatenate([other, clash])), received_at=4.0)
    assert (fourth.records_new, fourth.records_duplicate, fourth.records_conflicting) == (2, 1, 1)
    kept = records_between(db, "band", T0, T1)
    assert kept[kept["counter"] == 900_000].tobytes() == other[:1].tobytes()


def test_every_frame_is_archived_and_identical_frames_only_once(db, make_samples, make_frames):
    frames = make_frames(make_samples(300))
    broken = bytearray(frames[7])
    broken[-1] ^= 0xFF  # CRC-32 no longer matches
    frames[7] = bytes(broken)
    frames.insert(100, b"\xaa\x05")  # truncated
    report = ingest_frames(db, "band", frames, received_at=1.0)
    assert report.records_new == 299 and sum(report.frames_invalid.values()) == 2
    assert _archived(db) == [frames]
    again = ingest_frames(db, "band", frames, received_at=2.0)
    assert again.records_new == 0 and again.frames_archived == 0
    assert len(_archived(db)) == 1


def test_rollups_are_recomputed_from_stored_records_never_accumulated(db, make_samples, make_frames):
    samples = make_samples(1500, seed=5)
    # Two overlapping batches whose records share minutes, then a full replay.
    ingest_frames(db, "band", make_frames(samples[:900]), received_at=1.0)
    ingest_frames(db, "band", make_frames(samples[700:]), received_at=2.0)
    ingest_frames(db, "band", make_frames(samples), received_at=3.0)
    stored = minute_rollups_between(db, "band", T0, T1)
    expected = minute_rollups(samples)
    assert stored["minute"].tolist() == expected["minute"].tolist()
    for name in ("records", "hr_count", "hr_min", "hr_max", "rr_count", "active_count"):
        assert stored[name].tolist() == expected[name].tolist(), name
    for name in ("hr_mean", "motion", "worn_fraction"):
        np.testing.assert_allclose(stored[name], expected[name], rtol=1e-6, equal_nan=True)


def test_a_failing_batch_leaves_nothing_behind(db, make_samples, make_frames, dump_database):
    samples = make_samples(2000)
    ingest_frames(db, "band", make_frames(samples[:1000]), received_at=1.0)
    # Fail at the very last write of the second batch (its raw archive blob), after its chunks, rollups and
    # device update were already written inside the transaction.
    with db.write() as conn:
        conn.exec_driver_sql(
            "create trigger injected_failure before insert on raw_frame_batches "
            "when (select count(*) from raw_frame_batches) >= 1 begin select raise(abort, 'injected failure'); end"
        )
    before = dump_database(db.path)
    with pytest.raises(sqlalchemy.exc.IntegrityError, match="injected failure"):
        ingest_frames(db, "band", make_frames(samples[1000:]), received_at=2.0)
    assert dump_database(db.path) == before
    assert len(records_between(db, "band", T0, T1)) == 1000


def test_ingest_is_durable_when_it_returns(tmp_path, make_samples, make_frames):
    """A process that dies right after ingest_frames returned (no close, no checkpoint) lost nothing."""
    frames = make_frames(make_samples(500))
    frames_file = tmp_path / "frames.bin"
    frames_file.write_bytes(b"".join(len(f).to_bytes(2, "little") + f for f in frames))
    path = tmp_path / "healthdesk.db"
    script = textwrap.dedent(f"""
        import os, sys
        from healthdesk.services.ingest import ingest_frames
        from healthdesk.store.database import open_database
        data, frames = open({str(frames_file)!r}, "rb").read(), []
        while data:
            n = int.from_bytes(data[:2], "little"); frames.append(data[2:2 + n]); data = data[2 + n:]
        report = ingest_frames(open_database({str(path)!r}), "band", frames, received_at=1.0)
        print(report.records_new, flush=True)
        os._exit(0)  # like a crash: no engine dispose, no WAL checkpoint
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "500"
    assert path.with_name("healthdesk.db-wal").exists()
    with open_database(path) as db:
        assert len(records_between(db, "band", T0, T1)) == 500


def test_read_api_ranges_devices_and_events(db, make_samples, make_frames):
    from healthdesk.band.sim.frames import battery_event

    samples = make_samples(200)
    unix = int(samples["unix"][0])
    frames = make_frames(samples) + [battery_event(3, unix + 10, 100, 63.0, 4035, False)]
    report = ingest_frames(db, "alpha", frames, received_at=1_800_000_000.0)
    assert report.events_new == 1
    assert ingest_frames(db, "alpha", frames, received_at=1_800_000_100.0).events_duplicate == 1
    ingest_frames(db, "beta", make_frames(make_samples(10, unix0=unix + 5)), received_at=1_800_000_000.0)

    t = samples["unix"] + samples["subsec"] / 32768
    window = records_between(db, "alpha", t[10], t[20])  # half-open: t[10] in, t[20] out
    assert window["counter"].tolist() == samples["counter"][10:20].tolist()
    both = records_between(db, None, T0, T1)
    assert len(both) == 210 and np.all(np.diff(both["unix"].astype(np.int64)) >= 0)
    with pytest.raises(UnknownDevice):
        records_between(db, "gamma", T0, T1)

    (event,) = events_between(db, "alpha", T0, T1)
    assert (event.event_id, event.unix, event.battery_pct, event.battery_mv, event.charging) == (
        3, unix + 10, pytest.approx(63.0), 4035, False)
    assert events_between(db, "beta", T0, T1) == []

    alpha, beta = list_devices(db)
    assert (alpha.name, beta.name) == ("alpha", "beta")
    assert (alpha.first_seen, alpha.last_seen) == (unix, int(samples["unix"][-1]))
    assert alpha.last_contact_at == 1_800_000_000.0  # the replay brought nothing new


def test_records_come_back_in_time_order_when_the_band_clock_went_back(db, make_samples, make_frames):
    samples = make_samples(400)
    samples["unix"][200:] -= 3600  # SET_CLOCK moved the band an hour back; counters kept rising
    ingest_frames(db, "band", make_frames(samples), received_at=1.0)
    stored = records_between(db, "band", T0, T1)
    times = stored["unix"] + stored["subsec"] / 32768
    assert np.all(np.diff(times) > 0)
    assert stored["counter"].tolist() == samples["counter"][200:].tolist() + samples["counter"][:200].tolist()
