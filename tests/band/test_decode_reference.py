"""Expected decodes from independent sources: reference-frames/README.md §1, band-protocol.md §3.4, the
curated frames, OpenStrap's parity cases and header fixture, OpenStrap's R10 fixture, whoop-rs's frames."""

from __future__ import annotations

import json
import struct
from collections import Counter

import numpy as np
import pytest

from healthdesk.band.whoop4.decode import (
    ACCEL_G_PER_LSB,
    GYRO_DPS_PER_LSB,
    decode_frames,
    decode_hex_lines,
    parse_response,
)
from healthdesk.band.whoop4.framing import build_frame, parse_frame

TOL = 1e-3


def _one(frame_hex: str):
    batch = decode_frames([bytes.fromhex(frame_hex.replace(" ", ""))])
    assert batch.invalid == Counter() and len(batch.valid_frames) == 1
    return batch


def _rr(row) -> list[int]:
    return [int(v) for v in row["rr"][: row["rr_count"]]]


# ---- band-protocol.md §3.4, band -> host worked examples #11-15 (hex and expected values from the doc) ----

def test_doc_example_11_realtime():
    rt = _one("aa 18 00 ff 28 02 ad 89 65 66 f0 65 42 01 67 06 00 00 00 00 00 00 01 01 3b a0 0d 4d").realtime
    assert len(rt) == 1
    assert (rt[0]["unix"], rt[0]["subsec"], rt[0]["hr"]) == (1717930413, 0x65F0, 66)
    assert _rr(rt[0]) == [1639] and list(rt[0]["rr"]) == [1639, 0, 0, 0]


def test_doc_example_12_history_end():
    meta = _one(
        "aa 1c 00 ab 31 10 02 a9 fc 83 67 20 53 37 00 00 00 25 7e 00 00 0a 00 00 00 00 00 00 7a c0 20 f8"
    ).metadata
    assert len(meta) == 1
    m = meta[0]
    assert (m["seq"], m["kind"], m["unix"], m["subsec"], m["frame_count"]) == (0x10, 2, 1736703145, 0x5320, 55)
    assert bytes(m["token"]) == bytes.fromhex("257e00000a000000")


def test_doc_example_13_wrist_on_event():
    batch = _one("aa 10 00 57 30 7e 09 00 c2 e9 6e 67 68 5d 00 00 a2 a6 1c 12")
    e = batch.events[0]
    assert (e["seq"], e["event_id"], e["unix"], e["subsec"], e["body_len"]) == (0x7E, 9, 1735322050, 0x5D68, 0)
    assert batch.event_bodies == [b""]
    assert np.isnan(e["battery_pct"]) and e["battery_mv"] == -1 and e["charging"] == -1


def test_doc_example_14_battery_response():
    batch = _one("aa 10 00 57 24 01 1a 01 01 9e 03 00 00 00 00 00 1b 83 52 73")
    (r,) = batch.responses
    assert (r.band_seq, r.opcode, r.request_seq, r.result) == (1, 0x1A, 1, 1)
    assert int.from_bytes(r.body[:2], "little") / 10 == 92.6
    assert parse_response(parse_frame(batch.valid_frames[0])) == r


def test_doc_example_15_v24_record():
    rec = _one(
        "aa 64 00 a1 2f 18 05 4c 1c 0a 02 3e d0 26 6a 50 37 80 54 18 01 6d 02 2b 02 34 02 00 00 00 00 00 00 6b"
        " 07 ff 00 85 59 3c 1f 65 ce be d7 b3 e6 3e b8 5a 5f 3f 00 00 80 40 1f 65 ce be d7 b3 e6 3e b8 5a 5f 3f"
        " 50 02 64 02 5d 03 64 02 29 01 40 09 01 0c 02 0c 00 00 00 00 00 0f 00 01 c4 02 00 00 00 00 00 00 8f de"
        " b2 78"
    ).records
    assert len(rec) == 1
    r = rec[0]
    assert (r["version"], r["counter"], r["unix"], r["hr"]) == (24, 0x020A1C4C, 1780928574, 109)
    assert _rr(r) == [555, 564]
    assert np.allclose(r["gravity"], [-0.4031, 0.4506, 0.8725], atol=TOL)


def test_parse_response_rejects_other_inners():
    with pytest.raises(ValueError):
        parse_response(b"\x23\x00\x23\x00")
    with pytest.raises(ValueError):
        parse_response(b"\x24\x01")


# ---- curated_frames.json (README §1): every frame CRC-valid, every `decoded` field that we decode matches ----

def _curated(curated_frames, note: str) -> list[dict]:
    return [f for f in curated_frames if f["note"].startswith(note)]


def test_every_curated_frame_is_crc_valid_and_lands_in_its_kind(curated_frames):
    frames = [bytes.fromhex(f["hex"]) for f in curated_frames]
    batch = decode_frames(frames)
    assert batch.valid_frames == frames
    v25 = sum(f["decoded"].get("record_version") == 25 for f in curated_frames)
    assert v25 == 3 and batch.invalid == Counter(unknown_version=v25)  # v25 keeps its raw bytes
    assert len(batch.unknown) == v25


def _check_curated(expected: dict, ours: dict):
    checked = 0
    for key, value in expected.items():
        if key not in ours:
            continue
        if isinstance(value, float) or (isinstance(value, list) and value and isinstance(value[0], float)):
            assert np.allclose(ours[key], value, atol=TOL), key
        else:
            assert ours[key] == value, key
        checked += 1
    return checked


def _ours_for(frame: bytes) -> dict:
    batch = decode_frames([frame])
    ptype = frame[4]
    if len(batch.records):
        r = batch.records[0]
        return {"record_version": int(r["version"]), "counter": int(r["counter"]), "unix": int(r["unix"]),
                "subsec": int(r["subsec"]), "hr": int(r["hr"]), "rr_count": int(r["rr_count"]), "rr_ms": _rr(r),
                "gravity_g": r["gravity"].tolist()}
    if len(batch.imu):
        m = batch.imu[0]
        return {"record_version": 10, "counter": int(m["counter"]), "unix": int(m["unix"]),
                "subsec": int(m["subsec"]), "hr": int(m["hr"]), "rr_count": int(m["rr_count"]),
                "accel_x0_g": float(m["accel"][0, 0] * ACCEL_G_PER_LSB),
                "gyro_x0_dps": float(m["gyro"][0, 0] * GYRO_DPS_PER_LSB)}
    if len(batch.events):
        e = batch.events[0]
        ours = {"seq": int(e["seq"]), "event_id": int(e["event_id"]), "unix": int(e["unix"]),
                "subsec": int(e["subsec"]), "body_len": int(e["body_len"]), "body": batch.event_bodies[0].hex()}
        if e["event_id"] == 3:
            ours |= {"battery_pct": float(e["battery_pct"]), "battery_mv": int(e["battery_mv"]),
                     "charging_byte_body9": int(e["charging"])}
        return ours
    if len(batch.metadata):
        m = batch.metadata[0]
        names = {1: "HISTORY_START", 2: "HISTORY_END", 3: "HISTORY_COMPLETE"}
        ours = {"seq": int(m["seq"]), "meta_type": names[int(m["kind"])], "unix": int(m["unix"]),
                "subsec": int(m["subsec"])}
        if m["kind"] == 2:
            ours |= {"frame_count": int(m["frame_count"]), "token_hex": bytes(m["token"]).hex()}
        return ours
    if len(batch.realtime):
        r = batch.realtime[0]
        return {"unix": int(r["unix"]), "subsec": int(r["subsec"]), "hr": int(r["hr"]),
                "rr_count": int(r["rr_count"]), "rr_ms": _rr(r)}
    if batch.logs:
        log = batch.logs[0]
        return {"seq": log.seq, "unix": log.unix, "subsec": log.subsec, "text": log.text}
    if batch.responses:
        r = batch.responses[0]
        return {"band_seq": r.band_seq, "opcode": r.opcode, "echoed_req_seq": r.request_seq, "result": r.result}
    if batch.commands:
        inner = batch.commands[0]
        return {"seq": inner[1], "opcode": inner[2]}
    assert ptype == 0x2F and batch.unknown, "only v25 records stay undecoded"
    return {}


def test_curated_decoded_fields_match(curated_frames):
    checked = 0
    for entry in curated_frames:
        frame = bytes.fromhex(entry["hex"])
        ours = _ours_for(frame)
        checked += _check_curated(entry["decoded"], ours)
        decoded = entry["decoded"]
        if "payload" in decoded:  # commands: payload, then zero padding to x4
            inner = parse_frame(frame)
            payload = bytes.fromhex(decoded["payload"])
            assert inner[3 : 3 + len(payload)] == payload and not inner[3 + len(payload) :].strip(b"\x00")
        if decoded.get("packet_type", "").startswith("0x24"):
            assert parse_response(parse_frame(frame)).body.hex().startswith(decoded["body"])
    assert checked == 242  # every field name we decode, across the 57 frames


# ---- reference-frames/README.md §1 "key expected decodes" ----

def test_readme_key_expected_decodes(curated_frames):
    by_note = {e["note"]: e for e in curated_frames}
    v12 = decode_frames([bytes.fromhex(e["hex"]) for e in _curated(curated_frames, "v12 historical")]).records
    assert (v12[0]["unix"], v12[0]["hr"], _rr(v12[0])) == (1747484318, 64, [])
    assert np.allclose(v12[0]["gravity"], [0.490, 0.076, 0.965], atol=TOL)
    assert (v12[1]["unix"], v12[1]["hr"], _rr(v12[1])) == (1718161626, 54, [1173])
    v24 = decode_frames([bytes.fromhex(e["hex"]) for e in _curated(curated_frames, "v24 historical")]).records[0]
    assert (v24["unix"], v24["hr"], _rr(v24)) == (1734111735, 87, [])
    assert np.allclose(v24["gravity"], [-0.002, 0.144, 1.057], atol=TOL)
    worn = decode_frames([bytes.fromhex(by_note["v24_real_whoop4_worn"]["hex"])]).records[0]
    assert (worn["unix"], worn["hr"], _rr(worn)) == (1780928574, 109, [555, 564])
    assert np.allclose(worn["gravity"], [-0.40312, 0.45059, 0.87248], atol=TOL)
    inner = parse_frame(bytes.fromhex(by_note["v24_real_whoop4_worn"]["hex"]))
    assert struct.unpack_from("<3H", inner, 64) == (592, 612, 861)

    r10 = decode_frames([bytes.fromhex(e["hex"]) for e in _curated(curated_frames, "R10 historical")]).imu
    assert (r10[0]["unix"], r10[0]["hr"], _rr(r10[0])) == (1748326124, 62, [837])
    assert (r10[1]["unix"], r10[1]["hr"]) == (1748326489, 60)
    accel_g = r10["accel"].astype(float) * ACCEL_G_PER_LSB
    assert np.all(np.abs(np.linalg.norm(accel_g, axis=1).mean(axis=1) - 1.0) < 0.1)  # LE reading is physical

    ends = decode_frames([bytes.fromhex(e["hex"]) for e in _curated(curated_frames, "HISTORY_END")]).metadata
    got = {(int(m["unix"]), int(m["frame_count"]), bytes(m["token"]).hex()) for m in ends}
    assert {(1736703145, 55, "257e00000a000000"), (1735831144, 50, "c7b6000010000000")} <= got

    versions = [parse_response(parse_frame(bytes.fromhex(e["hex"])))
                for e in _curated(curated_frames, "REPORT_VERSION_INFO")]
    as_text = {(".".join(map(str, struct.unpack_from("<4I", r.body, 1))),
                ".".join(map(str, struct.unpack_from("<4I", r.body, 17)))) for r in versions}
    assert as_text == {("41.16.6.0", "17.2.2.0"), ("41.17.2.0", "17.2.2.0")}

    hello = parse_frame(bytes.fromhex(_curated(curated_frames, "GET_HELLO_HARVARD response")[0]["hex"]))
    assert parse_response(hello).opcode == 0x23
    assert struct.unpack_from("<I", hello, 6)[0] / 10 == 69.8 and hello[119] == 0

    battery = decode_frames([bytes.fromhex(_curated(curated_frames, "BATTERY_LEVEL event")[0]["hex"])]).events[0]
    assert (round(float(battery["battery_pct"]), 1), battery["battery_mv"], battery["charging"]) == (23.3, 3817, 1)
    wrist = decode_frames([bytes.fromhex(by_note["WRIST_ON event"]["hex"])]).events[0]
    assert (wrist["event_id"], wrist["unix"]) == (9, 1735322050)
    condition = decode_frames([bytes.fromhex(_curated(curated_frames, "STRAP_CONDITION_REPORT")[0]["hex"])])
    assert round(float(condition.events[0]["battery_pct"]), 1) == 63.0  # body[6..7] = 0x0276


# ---- OpenStrap (MIT) fixtures: inners, framed here ----

def _framed(cases: list[dict]) -> list[bytes]:
    return [build_frame(bytes.fromhex(c["hex"])) for c in cases]


def _os_rr(values) -> list[int]:
    return [int(v) for v in values if 200 <= v <= 2500]  # OS-P drops RR outside 200..2500 ms


def test_openstrap_r24_parity(parity_cases):
    cases = [c for c in parity_cases if c["kind"] == "r24"]
    records = decode_frames(_framed(cases)).records
    assert len(cases) == len(records) == 550
    for case, r in zip(cases, records, strict=True):
        out = case["out"]
        assert (r["counter"], r["unix"], r["subsec"], r["hr"]) == (
            out["counter"], out["ts_epoch"], out["ts_subsec"], out["hr"])
        assert r["rr_count"] == out["rr_count"] and _os_rr(_rr(r)) == out["rr_intervals_ms"]
        assert np.allclose(r["gravity"], out["accel_g"], atol=TOL)


def test_openstrap_record_parity(parity_cases):
    cases = [c for c in parity_cases if c["kind"] == "record" and c["out"]]
    batch_by_type = Counter(c["out"]["rec_type"] for c in cases)
    assert batch_by_type == Counter({24: 629, 10: 132, 28: 9})
    for case in cases:
        batch = decode_frames(_framed([case]))
        row = {24: batch.records, 10: batch.imu, 28: batch.realtime}[case["out"]["rec_type"]]
        assert len(row) == 1
        assert (row[0]["unix"], row[0]["hr"]) == (case["out"]["ts"], case["out"]["hr"])


def test_openstrap_rr_and_accel_parity_on_r10(parity_cases):
    rr_cases = [c for c in parity_cases if c["kind"] == "rr" and c["hex"][2:4] == "0a"]
    imu = decode_frames(_framed(rr_cases)).imu
    assert len(imu) == len(rr_cases) == 132
    for case, m in zip(rr_cases, imu, strict=True):
        assert _os_rr(_rr(m)) == (case["out"]["rr_ms"] if case["out"] else [])
    accel_cases = [c for c in parity_cases if c["kind"] == "accel" and c["out"]]
    imu = decode_frames(_framed(accel_cases)).imu
    assert len(imu) == len(accel_cases) == 132
    for case, m in zip(accel_cases, imu, strict=True):
        magnitude = np.linalg.norm(m["accel"].astype(float) * ACCEL_G_PER_LSB, axis=0)
        assert m["unix"] == case["out"]["ts"]
        assert np.allclose(magnitude, case["out"]["mags"], atol=TOL)


def test_openstrap_r11_and_commands_are_not_decoded_as_data(parity_cases):
    r11 = [c for c in parity_cases if c["kind"] == "record" and c["hex"][2:4] == "0b"]
    batch = decode_frames(_framed(r11))
    assert len(r11) == 131 and batch.invalid == Counter(unknown_version=131) and len(batch.unknown) == 131
    assert not len(batch.records) and not len(batch.imu)


def test_openstrap_dart_header(reference_frames):
    cases = json.loads((reference_frames / "openstrap-protocol" / "dart_header.json").read_text())
    records = decode_frames(_framed(cases)).records
    assert len(records) == len(cases) == 550
    got = np.stack([records["counter"], records["unix"], records["subsec"], records["hr"]], axis=1)
    want = np.array([[c["counter"], c["ts_epoch"], c["ts_subsec"], c["hr"]] for c in cases])
    assert np.array_equal(got, want)


def test_openstrap_r10_fixture(reference_frames):
    inner = bytes.fromhex((reference_frames / "openstrap-protocol" / "r10_fixture.hex").read_text().strip())
    batch = decode_frames([build_frame(inner)])
    (m,) = batch.imu
    assert (m["packet_type"], m["unix"], m["hr"], m["counter"]) == (0x2B, 31624534, 87, 0x01F0F6A7)
    accel = m["accel"].astype(float) * ACCEL_G_PER_LSB
    gyro = m["gyro"].astype(float) * GYRO_DPS_PER_LSB
    assert accel[0, 0] == pytest.approx(-0.7847, abs=1e-4)
    assert gyro[:, 0] == pytest.approx([4.6387, 1.3428, 0.2441], abs=1e-4)
    assert np.linalg.norm(accel, axis=0).mean() == pytest.approx(1.02, abs=0.01)


# ---- whoop-rs real_frames.json: the gen4 frame decodes; gen5 envelopes are rejected and counted ----

def test_whoop_rs_gen4_frame_and_gen5_rejection(whoop_rs_frames):
    gen4 = [f for f in whoop_rs_frames["frames"] if f["family"] == "gen4"]
    worn = next(f for f in gen4 if f["name"] == "v24_real_whoop4_worn")
    (r,) = _one(worn["hex"]).records
    want = worn["expect"]
    assert (r["version"], r["unix"], r["hr"], _rr(r)) == (want["version"], want["unix"], want["heart_rate"], want["rr"])
    assert np.allclose(r["gravity"], want["gravity"], atol=TOL)
    v25 = decode_frames([bytes.fromhex(f["hex"]) for f in gen4 if f is not worn])
    assert v25.invalid == Counter(unknown_version=3) and len(v25.unknown) == 3

    gen5 = [f["hex"] for f in whoop_rs_frames["frames"] if f["family"] != "gen4"]
    gen5 += [f["hex"] for f in whoop_rs_frames["ppg_frames"] + whoop_rs_frames["event_frames"]]
    assert len(gen5) == 5 + 40 + 2 and all(h.startswith("aa01") for h in gen5)
    batch = decode_frames([bytes.fromhex(h) for h in gen5])
    assert batch.frames_total == 47 and not batch.valid_frames and batch.frames_invalid == 47
    text = decode_hex_lines("\n".join(gen5))
    assert text.frames_total == 47 and not text.valid_frames and text.frames_invalid == 47
