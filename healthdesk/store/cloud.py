"""The local copy of the user's WHOOP cloud data (whoop_* tables) and the per-resource sync state.

Every record keeps WHOOP's raw JSON plus typed columns, keyed by WHOOP's own ids: cycle int id, sleep and
workout UUID text, recovery by its cycle id (it has no id of its own). Deletions are soft (`deleted_at`), so
the UI can explain a gap and nothing is ever lost locally. Timestamps are stored as WHOOP's UTC ISO strings
normalised to millisecond precision with a `Z`, so string order is time order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import BigInteger, Boolean, Float, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from healthdesk.core.timeutil import parse_iso
from healthdesk.store.base import Base

RESOURCES = ("cycle", "sleep", "recovery", "workout")


class _Transactional(Protocol):
    def write(self) -> Any: ...  # context manager yielding a Connection (healthdesk.store.database.Database)

    def read(self) -> Any: ...


@contextmanager
def write_session(db: _Transactional) -> Iterator[Session]:
    """An ORM session on the database's single writer: one all-or-nothing transaction."""
    with db.write() as connection, Session(bind=connection, expire_on_commit=False) as session:
        yield session
        session.flush()


@contextmanager
def read_session(db: _Transactional) -> Iterator[Session]:
    with db.read() as connection, Session(bind=connection) as session:
        yield session


def iso_utc(value: str | datetime) -> str:
    """WHOOP timestamp (any ISO form) -> 'YYYY-MM-DDTHH:MM:SS.mmmZ' so text order equals time order."""
    if isinstance(value, str):
        value = parse_iso(value)  # the project's one ISO parser: a zone-less time raises ValueError
    if value.tzinfo is None:
        raise ValueError(f"timestamp without a time zone: {value!r}")
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


class _RecordColumns:
    """Columns every synced WHOOP record carries."""

    user_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[str | None] = mapped_column(String(24))
    updated_at: Mapped[str] = mapped_column(String(24))
    score_state: Mapped[str] = mapped_column(String(16))
    fetched_at: Mapped[str] = mapped_column(String(24))
    deleted_at: Mapped[str | None] = mapped_column(String(24))
    raw_json: Mapped[str] = mapped_column(Text)


class WhoopCycle(_RecordColumns, Base):
    __tablename__ = "whoop_cycle"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    start: Mapped[str] = mapped_column(String(24), index=True)
    end: Mapped[str | None] = mapped_column(String(24))
    timezone_offset: Mapped[str] = mapped_column(String(8))
    strain: Mapped[float | None] = mapped_column(Float)
    kilojoule: Mapped[float | None] = mapped_column(Float)
    average_heart_rate: Mapped[int | None] = mapped_column(Integer)
    max_heart_rate: Mapped[int | None] = mapped_column(Integer)


class WhoopSleep(_RecordColumns, Base):
    __tablename__ = "whoop_sleep"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    cycle_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    nap: Mapped[bool] = mapped_column(Boolean)
    start: Mapped[str] = mapped_column(String(24), index=True)
    end: Mapped[str] = mapped_column(String(24))
    timezone_offset: Mapped[str] = mapped_column(String(8))
    in_bed_ms: Mapped[int | None] = mapped_column(BigInteger)
    awake_ms: Mapped[int | None] = mapped_column(BigInteger)
    light_ms: Mapped[int | None] = mapped_column(BigInteger)
    slow_wave_ms: Mapped[int | None] = mapped_column(BigInteger)
    rem_ms: Mapped[int | None] = mapped_column(BigInteger)
    disturbance_count: Mapped[int | None] = mapped_column(Integer)
    need_ms: Mapped[int | None] = mapped_column(BigInteger)
    respiratory_rate: Mapped[float | None] = mapped_column(Float)
    performance_pct: Mapped[float | None] = mapped_column(Float)
    consistency_pct: Mapped[float | None] = mapped_column(Float)
    efficiency_pct: Mapped[float | None] = mapped_column(Float)


class WhoopRecovery(_RecordColumns, Base):
    __tablename__ = "whoop_recovery"
    cycle_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    sleep_id: Mapped[str] = mapped_column(String(36), index=True)
    recovery_score: Mapped[float | None] = mapped_column(Float)
    resting_heart_rate: Mapped[float | None] = mapped_column(Float)
    hrv_rmssd_ms: Mapped[float | None] = mapped_column(Float)
    spo2_pct: Mapped[float | None] = mapped_column(Float)
    skin_temp_c: Mapped[float | None] = mapped_column(Float)
    user_calibrating: Mapped[bool | None] = mapped_column(Boolean)


class WhoopWorkout(_RecordColumns, Base):
    __tablename__ = "whoop_workout"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    start: Mapped[str] = mapped_column(String(24), index=True)
    end: Mapped[str] = mapped_column(String(24))
    timezone_offset: Mapped[str] = mapped_column(String(8))
    sport_name: Mapped[str | None] = mapped_column(String(64))
    strain: Mapped[float | None] = mapped_column(Float)
    average_heart_rate: Mapped[int | None] = mapped_column(Integer)
    max_heart_rate: Mapped[int | None] = mapped_column(Integer)
    kilojoule: Mapped[float | None] = mapped_column(Float)
    percent_recorded: Mapped[float | None] = mapped_column(Float)
    distance_meter: Mapped[float | None] = mapped_column(Float)


class WhoopProfile(Base):
    """One row per WHOOP user: basic profile and body measurement (either may be missing)."""

    __tablename__ = "whoop_profile"
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    first_name: Mapped[str | None] = mapped_column(String(200))
    last_name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    height_meter: Mapped[float | None] = mapped_column(Float)
    weight_kilogram: Mapped[float | None] = mapped_column(Float)
    max_heart_rate: Mapped[int | None] = mapped_column(Integer)
    profile_json: Mapped[str | None] = mapped_column(Text)
    body_json: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[str] = mapped_column(String(24))


class WhoopSyncState(Base):
    __tablename__ = "whoop_sync_state"
    resource: Mapped[str] = mapped_column(String(16), primary_key=True)
    watermark: Mapped[str | None] = mapped_column(String(24))
    backfill_done: Mapped[bool] = mapped_column(Boolean, default=False)
    last_success_at: Mapped[str | None] = mapped_column(String(24))
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[str | None] = mapped_column(String(24))
    last_deep_pass_at: Mapped[str | None] = mapped_column(String(24))


class WhoopConnection(Base):
    """The single connection row: status words only, never a secret (those live in the keyring)."""

    __tablename__ = "whoop_connection"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    status: Mapped[str] = mapped_column(String(16))  # connected | needs_reauth | disconnected
    api_base: Mapped[str | None] = mapped_column(String(300))
    redirect_uri: Mapped[str | None] = mapped_column(String(300))
    user_id: Mapped[int | None] = mapped_column(BigInteger)
    connected_at: Mapped[str | None] = mapped_column(String(24))
    last_sync_at: Mapped[str | None] = mapped_column(String(24))
    last_sync_error: Mapped[str | None] = mapped_column(Text)
    next_sync_at: Mapped[str | None] = mapped_column(String(24))


MODELS: dict[str, type[Any]] = {
    "cycle": WhoopCycle, "sleep": WhoopSleep, "recovery": WhoopRecovery, "workout": WhoopWorkout,
}


def record_key(resource: str, record: dict[str, Any]) -> int | str:
    return record["cycle_id"] if resource == "recovery" else record["id"]


def _typed_columns(resource: str, rec: dict[str, Any]) -> dict[str, Any]:
    score = rec.get("score") or {}
    if resource == "cycle":
        return {"start": iso_utc(rec["start"]), "end": iso_utc(rec["end"]) if rec.get("end") else None,
                "timezone_offset": rec["timezone_offset"], "strain": score.get("strain"),
                "kilojoule": score.get("kilojoule"), "average_heart_rate": score.get("average_heart_rate"),
                "max_heart_rate": score.get("max_heart_rate")}
    if resource == "sleep":
        stages = score.get("stage_summary") or {}
        need = score.get("sleep_needed")
        return {"cycle_id": rec.get("cycle_id"), "nap": bool(rec["nap"]), "start": iso_utc(rec["start"]),
                "end": iso_utc(rec["end"]), "timezone_offset": rec["timezone_offset"],
                "in_bed_ms": stages.get("total_in_bed_time_milli"),
                "awake_ms": stages.get("total_awake_time_milli"),
                "light_ms": stages.get("total_light_sleep_time_milli"),
                "slow_wave_ms": stages.get("total_slow_wave_sleep_time_milli"),
                "rem_ms": stages.get("total_rem_sleep_time_milli"),
                "disturbance_count": stages.get("disturbance_count"),
                "need_ms": sum(need.values()) if need else None,
                "respiratory_rate": score.get("respiratory_rate"),
                "performance_pct": score.get("sleep_performance_percentage"),
                "consistency_pct": score.get("sleep_consistency_percentage"),
                "efficiency_pct": score.get("sleep_efficiency_percentage")}
    if resource == "recovery":
        return {"sleep_id": rec["sleep_id"], "recovery_score": score.get("recovery_score"),
                "resting_heart_rate": score.get("resting_heart_rate"),
                "hrv_rmssd_ms": score.get("hrv_rmssd_milli"), "spo2_pct": score.get("spo2_percentage"),
                "skin_temp_c": score.get("skin_temp_celsius"),
                "user_calibrating": score.get("user_calibrating")}
    return {"start": iso_utc(rec["start"]), "end": iso_utc(rec["end"]),
            "timezone_offset": rec["timezone_offset"], "sport_name": rec.get("sport_name"),
            "strain": score.get("strain"), "average_heart_rate": score.get("average_heart_rate"),
            "max_heart_rate": score.get("max_heart_rate"), "kilojoule": score.get("kilojoule"),
            "percent_recorded": score.get("percent_recorded"), "distance_meter": score.get("distance_meter")}


def upsert_records(session: Session, resource: str, records: list[dict[str, Any]],
                   fetched_at: str) -> list[tuple[int | str, str]]:
    """Store WHOOP records; returns (key, 'new' | 'updated' | 'unchanged') per record.

    Only a strictly newer `updated_at` replaces a stored row (an older or equal copy never overwrites a
    scored one), except that a row we soft-deleted comes back when WHOOP serves it again. Raises
    KeyError/TypeError/ValueError on a malformed record (the caller's transaction then rolls back).
    """
    model = MODELS[resource]
    key_name = "cycle_id" if resource == "recovery" else "id"
    keys = [record_key(resource, r) for r in records]
    with session.no_autoflush:
        existing = {getattr(row, key_name): row for row in
                    session.scalars(select(model).where(getattr(model, key_name).in_(keys)))}
    outcomes: list[tuple[int | str, str]] = []
    for key, record in zip(keys, records, strict=True):
        updated_at = iso_utc(record["updated_at"])
        values = dict(_typed_columns(resource, record), user_id=record.get("user_id"),
                      created_at=iso_utc(record["created_at"]) if record.get("created_at") else None,
                      updated_at=updated_at, score_state=record["score_state"], fetched_at=fetched_at,
                      deleted_at=None, raw_json=json.dumps(record, sort_keys=True, separators=(",", ":")))
        row = existing.get(key)
        if row is None:
            row = existing[key] = model(**{key_name: key}, **values)
            session.add(row)
            outcomes.append((key, "new"))
        elif updated_at > row.updated_at or row.deleted_at is not None:
            for name, value in values.items():
                setattr(row, name, value)
            outcomes.append((key, "updated"))
        else:
            outcomes.append((key, "unchanged"))
    return outcomes


def soft_delete(session: Session, resource: str, key: int | str, at: str) -> bool:
    row = session.get(MODELS[resource], key)
    if row is None or row.deleted_at is not None:
        return False
    row.deleted_at = at
    return True


def live_keys_starting_at_or_after(session: Session, resource: str, window_start: str | None) -> set[int | str]:
    """Keys of not-deleted local records that any reading of WHOOP's window filter must have returned.

    Only records that *start* inside the window count (WHOOP's overlap-or-start semantics both include
    them). A recovery has no time of its own: it is placed by its sleep, else by its cycle.
    """
    if resource == "recovery":
        rows = session.execute(
            select(WhoopRecovery.cycle_id, WhoopSleep.start, WhoopCycle.start)
            .outerjoin(WhoopSleep, WhoopSleep.id == WhoopRecovery.sleep_id)
            .outerjoin(WhoopCycle, WhoopCycle.id == WhoopRecovery.cycle_id)
            .where(WhoopRecovery.deleted_at.is_(None))
        ).all()
        placed = [(key, sleep_start or cycle_start) for key, sleep_start, cycle_start in rows]
        return {key for key, start in placed
                if start is not None and (window_start is None or start >= window_start)}
    model = MODELS[resource]
    query = select(model.id).where(model.deleted_at.is_(None))
    if window_start is not None:
        query = query.where(model.start >= window_start)
    return set(session.scalars(query))


def keys_to_recheck(session: Session, resource: str) -> set[int | str]:
    """Records WHOOP may still change: PENDING_SCORE ones, and for cycles the open one (no end)."""
    model = MODELS[resource]
    key_col = model.cycle_id if resource == "recovery" else model.id
    cond = model.score_state == "PENDING_SCORE"
    if resource == "cycle":
        cond = cond | model.end.is_(None)
    return set(session.scalars(select(key_col).where(model.deleted_at.is_(None), cond)))


def max_start(session: Session, resource: str) -> str | None:
    model = MODELS["cycle" if resource == "recovery" else resource]
    return session.scalar(select(model.start).where(model.deleted_at.is_(None)).order_by(model.start.desc()))


def get_sync_state(session: Session, resource: str) -> WhoopSyncState:
    state = session.get(WhoopSyncState, resource)
    if state is None:
        state = WhoopSyncState(resource=resource, backfill_done=False)
        session.add(state)
    return state


def get_connection(session: Session) -> WhoopConnection | None:
    return session.get(WhoopConnection, 1)


def put_connection(session: Session, **fields: Any) -> WhoopConnection:
    row = session.get(WhoopConnection, 1)
    if row is None:
        row = WhoopConnection(id=1, status=fields.pop("status", "disconnected"))  # connected only by sign-in
        session.add(row)
    for name, value in fields.items():
        setattr(row, name, value)
    return row


def put_profile(session: Session, user_id: int, profile: dict[str, Any] | None,
                body: dict[str, Any] | None, fetched_at: str) -> None:
    row = session.get(WhoopProfile, user_id) or WhoopProfile(user_id=user_id)
    if profile is not None:
        row.first_name, row.last_name = profile.get("first_name"), profile.get("last_name")
        row.email, row.profile_json = profile.get("email"), json.dumps(profile, sort_keys=True)
    if body is not None:
        row.height_meter, row.weight_kilogram = body.get("height_meter"), body.get("weight_kilogram")
        row.max_heart_rate, row.body_json = body.get("max_heart_rate"), json.dumps(body, sort_keys=True)
    row.fetched_at = fetched_at
    session.merge(row)


def dump_local_copy(session: Session) -> dict[str, list[dict[str, Any]]]:
    """Per resource, `{id, updated_at, score_state, deleted}` sorted by id (recovery keyed by cycle id)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for resource, model in MODELS.items():
        key_col = model.cycle_id if resource == "recovery" else model.id
        rows = session.execute(
            select(key_col, model.updated_at, model.score_state, model.deleted_at).order_by(key_col)
        ).all()
        out[resource] = [{"id": key, "updated_at": upd, "score_state": state, "deleted": deleted is not None}
                         for key, upd, state, deleted in rows]
    return out


def raw_records(session: Session, resource: str, include_deleted: bool = False) -> Iterable[dict[str, Any]]:
    model = MODELS[resource]
    query = select(model.raw_json)
    if not include_deleted:
        query = query.where(model.deleted_at.is_(None))
    return [json.loads(text) for text in session.scalars(query)]
