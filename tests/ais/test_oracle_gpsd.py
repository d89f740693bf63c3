"""The decoder against gpsd's own expected output (a second oracle besides pyais).

* `gpsd/ais-nmea.log.chk`: gpsd's JSON (``"scaled": false``, so raw integers: lat/lon
  in 1/10000 minute, speed and course in tenths, draught in decimetres, "not available"
  as the ITU sentinels) written right after the sentence that completed each message,
  interleaved with the log's lines.
* `gpsd/sample.aivdm.chk`: ``gpsdecode -u -c`` rows, ``type|repeat|mmsi|...`` with the
  raw fields of each type in gpsdecode's order (see ``_SAMPLE_FIELDS``).

Our values are turned back into gpsd's raw integers (lat * 600000 rounded, sog * 10,
null -> sentinel) and compared field by field.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ais_oracle import shared_ais_dir, split_lines, text_or_none

from watchkeeper.ais.decode import DecodeResult, decode_bytes

DATA = shared_ais_dir()
GPSD = DATA / "gpsd" if DATA else None
pytestmark = pytest.mark.skipif(
    GPSD is None or not (GPSD / "sample.aivdm.chk").exists(), reason="gpsd oracle files absent"
)


# --------------------------------------------------------------------------- our raw values


def _raw(value: Any, scale: float, na: int) -> int:
    return na if value is None else round(value * scale)


def _ll(value: float | None, na: int, scale: float = 600000.0) -> int:
    return _raw(value, scale, na)


def _na(value: Any, na: int) -> int:
    return na if value is None else int(value)


def _dims(row: dict[str, Any]) -> list[int]:
    return [_na(row[k], 0) for k in ("to_bow", "to_stern", "to_port", "to_starboard")]


def _eta(row: dict[str, Any]) -> str:
    return "{:02d}-{:02d}T{:02d}:{:02d}Z".format(
        _na(row["eta_month"], 0),
        _na(row["eta_day"], 0),
        _na(row["eta_hour"], 24),
        _na(row["eta_minute"], 60),
    )


def _gpsd_text(s: str) -> str:
    # gpsd trims trailing '@' and blanks only; our rule ends the text at the first '@'.
    return text_or_none(s) or ""


def _course(row: dict[str, Any], gpsd: int) -> bool:
    """Course in tenths: any of gpsd's 3600-4095 ('not available' or invalid) is our null."""
    return gpsd >= 3600 if row["cog"] is None else round(row["cog"] * 10) == gpsd


def _heading(row: dict[str, Any], gpsd: int) -> bool:
    return gpsd >= 360 if row["heading"] is None else row["heading"] == gpsd


def _second(row: dict[str, Any], gpsd: int) -> bool:
    return gpsd >= 60 if row["second"] is None else row["second"] == gpsd


def _problems(where: str, checks: dict[str, tuple[Any, Any]]) -> list[str]:
    out = []
    for name, (ours, gpsd) in checks.items():
        if callable(ours):
            if not ours(gpsd):
                out.append(f"{where} {name}: gpsd={gpsd!r} (our row disagrees)")
        elif ours != gpsd:
            out.append(f"{where} {name}: ours={ours!r} gpsd={gpsd!r}")
    return out


def _fail_with(problems: list[str]) -> None:
    if problems:
        pytest.fail(
            f"{len(problems)} mismatches with gpsd (first 20):\n  " + "\n  ".join(problems[:20])
        )


# --------------------------------------------------------------------------- ais-nmea.log


def _json_records() -> list[tuple[int, dict[str, Any]]]:
    """(log line of the sentence, record) for each AIS record gpsd wrote right after one.

    gpsd repeats some records later in the file (after GPS fixes); only the record
    directly after the sentence that completed the message counts.
    """
    assert GPSD is not None
    log_lines = split_lines((GPSD / "ais-nmea.log").read_bytes())
    sentence_lines = [i + 1 for i, ln in enumerate(log_lines) if ln.startswith(b"!")]
    chk = (GPSD / "ais-nmea.log.chk").read_text().splitlines()
    chk_sentences = [ln for ln in chk if ln.startswith("!")]
    assert [log_lines[n - 1].decode().strip() for n in sentence_lines] == chk_sentences
    out = []
    k = -1
    for i, ln in enumerate(chk):
        if ln.startswith("!"):
            k += 1
        elif ln.startswith('{"class":"AIS"') and chk[i - 1].startswith("!"):
            out.append((sentence_lines[k], json.loads(ln)))
    return out


def _position_checks(row: dict[str, Any], rec: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    checks: dict[str, tuple[Any, Any]] = {
        "mmsi": (row["mmsi"], rec["mmsi"]),
        "repeat": (row["repeat"], rec["repeat"]),
        "lat": (_ll(row["lat"], 54600000), rec["lat"]),
        "lon": (_ll(row["lon"], 108600000), rec["lon"]),
        "speed": (_raw(row["sog"], 10, 1023), rec["speed"]),
        "course": (lambda g: _course(row, g), rec["course"]),
        "heading": (lambda g: _heading(row, g), rec["heading"]),
        "second": (lambda g: _second(row, g), rec["second"]),
        "accuracy": (row["accuracy"], rec["accuracy"]),
        "raim": (row["raim"], rec["raim"]),
    }
    if rec["type"] in (1, 2, 3):
        checks["status"] = (_na(row["nav_status"], 15), rec["status"])
        checks["turn"] = (_na(row["turn_raw"], -128), rec["turn"])
        checks["maneuver"] = (_na(row["maneuver"], 0), rec["maneuver"])
    return checks


def _type5_checks(row: dict[str, Any], rec: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {
        "mmsi": (row["mmsi"], rec["mmsi"]),
        "imo": (_na(row["imo"], 0), rec["imo"]),
        "ais_version": (row["ais_version"], rec["ais_version"]),
        "callsign": (row["callsign"] or "", _gpsd_text(rec["callsign"])),
        "shipname": (row["name"] or "", _gpsd_text(rec["shipname"])),
        "shiptype": (_na(row["ship_type"], 0), rec["shiptype"]),
        "dims": (_dims(row), [rec["to_bow"], rec["to_stern"], rec["to_port"], rec["to_starboard"]]),
        "epfd": (row["epfd"], rec["epfd"]),
        "eta": (_eta(row), rec["eta"]),
        "draught": (_raw(row["draught"], 10, 0), rec["draught"]),
        "destination": (row["destination"] or "", _gpsd_text(rec["destination"])),
        "dte": (int(row["dte"]), rec["dte"]),
    }


def _type24_checks(
    a: dict[str, Any] | None, b: dict[str, Any], rec: dict[str, Any]
) -> dict[str, tuple[Any, Any]]:
    return {
        "shipname": ((a or {}).get("name") or "", _gpsd_text(rec.get("shipname", ""))),
        "shiptype": (_na(b["ship_type"], 0), rec["shiptype"]),
        "vendorid": (b["vendor_id"] or "", _gpsd_text(rec["vendorid"])[:3]),
        "callsign": (b["callsign"] or "", _gpsd_text(rec["callsign"])),
        "dims": (_dims(b), [rec["to_bow"], rec["to_stern"], rec["to_port"], rec["to_starboard"]]),
    }


@pytest.fixture(scope="module")
def nmea_log() -> DecodeResult:
    assert GPSD is not None
    return decode_bytes((GPSD / "ais-nmea.log").read_bytes(), file="ais-nmea.log")


def test_ais_nmea_log_has_a_row_for_every_message_gpsd_reports(nmea_log: DecodeResult) -> None:
    records = _json_records()
    per_type: dict[int, int] = defaultdict(int)
    for _, rec in records:
        per_type[rec["type"]] += 1
    for t in (1, 3, 5, 8, 18):
        assert nmea_log.message_types[t] == per_type[t], t
    # gpsd reports a type 24 once both parts arrived: we keep each part.
    b_parts = {(r["mmsi"]) for r in nmea_log.vessels.to_pylist() if r["part"] == 1}
    assert {rec["mmsi"] for _, rec in records if rec["type"] == 24} <= b_parts
    assert nmea_log.rejected.num_rows == 0


def test_ais_nmea_log_fields_equal_gpsd_json(nmea_log: DecodeResult) -> None:
    records = _json_records()
    positions = nmea_log.positions.to_pylist()
    vessels = nmea_log.vessels.to_pylist()
    problems: list[str] = []
    for t, table, check in (
        (1, positions, _position_checks),
        (3, positions, _position_checks),
        (18, positions, _position_checks),
        (5, vessels, _type5_checks),
    ):
        rows = [r for r in table if r["msg_type"] == t]
        recs = [(n, rec) for n, rec in records if rec["type"] == t]
        assert len(rows) == len(recs), t
        for row, (line, rec) in zip(rows, recs, strict=True):
            problems += _problems(f"ais-nmea.log:{line} type {t}", check(row, rec))
    # Type 24: gpsd merges part A and part B of an MMSI into one record.
    b_rows: dict[int, list[dict[str, Any]]] = defaultdict(list)
    last_a: dict[int, dict[str, Any]] = {}
    a_before_b: dict[int, list[dict[str, Any] | None]] = defaultdict(list)
    for r in (r for r in vessels if r["msg_type"] == 24):
        if r["part"] == 0:
            last_a[r["mmsi"]] = r
        else:
            b_rows[r["mmsi"]].append(r)
            a_before_b[r["mmsi"]].append(last_a.get(r["mmsi"]))
    seen: dict[int, int] = defaultdict(int)
    for line, rec in ((n, rec) for n, rec in records if rec["type"] == 24):
        j = seen[rec["mmsi"]]
        seen[rec["mmsi"]] += 1
        b = b_rows[rec["mmsi"]][j]
        a = a_before_b[rec["mmsi"]][j]
        problems += _problems(f"ais-nmea.log:{line} type 24", _type24_checks(a, b, rec))
    _fail_with(problems)


# --------------------------------------------------------------------------- sample.aivdm


def _time(v: str) -> dt.datetime | None:
    """gpsd's 'YYYY-MM-DDTHH:MM:SSZ' of a type 4 as a time, None when not a real one."""
    try:
        d, t = v.rstrip("Z").split("T")
        y, mo, day = (int(x) for x in d.split("-"))
        h, mi, s = (int(x) for x in t.split(":"))
        if not 1970 <= y <= 2200:
            return None
        return dt.datetime(y, mo, day, h, mi, s, tzinfo=dt.UTC)
    except ValueError:
        return None


def _b(v: str) -> bool:
    return v not in ("0", "0x0")


Row = dict[str, Any]
Check = Callable[[Row, list[str]], dict[str, tuple[Any, Any]]]


def _s_pos13(row: Row, f: list[str]) -> dict[str, tuple[Any, Any]]:
    # status|turn|speed|accuracy|lon|lat|course|heading|second|maneuver|raim|radio
    return {
        "status": (_na(row["nav_status"], 15), int(f[3])),
        "turn": (_na(row["turn_raw"], -128), int(f[4])),
        "speed": (_raw(row["sog"], 10, 1023), int(f[5])),
        "accuracy": (row["accuracy"], _b(f[6])),
        "lon": (_ll(row["lon"], 108600000), int(f[7])),
        "lat": (_ll(row["lat"], 54600000), int(f[8])),
        "course": (lambda g: _course(row, g), int(f[9])),
        "heading": (lambda g: _heading(row, g), int(f[10])),
        "second": (lambda g: _second(row, g), int(f[11])),
        "maneuver": (_na(row["maneuver"], 0), int(f[12], 16)),
        "raim": (row["raim"], _b(f[13])),
    }


def _s_type4(row: Row, f: list[str]) -> dict[str, tuple[Any, Any]]:
    # time|accuracy|lon|lat|epfd|raim|radio
    return {
        "time": (row["station_time"], _time(f[3])),
        "accuracy": (row["accuracy"], _b(f[4])),
        "lon": (_ll(row["lon"], 108600000), int(f[5])),
        "lat": (_ll(row["lat"], 54600000), int(f[6])),
        "epfd": (row["epfd"], int(f[7])),
        "raim": (row["raim"], _b(f[8])),
    }


def _s_type5(row: Row, f: list[str]) -> dict[str, tuple[Any, Any]]:
    # imo|ais_version|callsign|shipname|shiptype|bow|stern|port|starboard|epfd|eta|draught|dest|dte
    return {
        "imo": (_na(row["imo"], 0), int(f[3])),
        "ais_version": (row["ais_version"], int(f[4])),
        "callsign": (row["callsign"] or "", _gpsd_text(f[5])),
        "shipname": (row["name"] or "", _gpsd_text(f[6])),
        "shiptype": (_na(row["ship_type"], 0), int(f[7])),
        "dims": (_dims(row), [int(x) for x in f[8:12]]),
        "epfd": (row["epfd"], int(f[12])),
        "eta": (_eta(row), f[13]),
        "draught": (_raw(row["draught"], 10, 0), int(f[14])),
        "destination": (row["destination"] or "", _gpsd_text(f[15])),
        "dte": (int(row["dte"]), int(f[16])),
    }


def _s_class_b(row: Row, f: list[str]) -> dict[str, tuple[Any, Any]]:
    # 18 and 19 share: reserved|speed|accuracy|lon|lat|course|heading|second|regional|...
    return {
        "speed": (_raw(row["sog"], 10, 1023), int(f[4])),
        "accuracy": (row["accuracy"], _b(f[5])),
        "lon": (_ll(row["lon"], 108600000), int(f[6])),
        "lat": (_ll(row["lat"], 54600000), int(f[7])),
        "course": (lambda g: _course(row, g), int(f[8])),
        "heading": (lambda g: _heading(row, g), int(f[9])),
        "second": (lambda g: _second(row, g), int(f[10])),
    }


def _s_type18(row: Row, f: list[str]) -> dict[str, tuple[Any, Any]]:
    # ...|regional|cs|display|dsc|band|msg22|raim|radio
    return {**_s_class_b(row, f), "raim": (row["raim"], _b(f[17]))}


def _s_type19_vessel(row: Row, f: list[str]) -> dict[str, tuple[Any, Any]]:
    # ...|regional|shipname|shiptype|bow|stern|port|starboard|epfd|raim|dte|assigned
    return {
        "shipname": (row["name"] or "", _gpsd_text(f[12])),
        "shiptype": (_na(row["ship_type"], 0), int(f[13])),
        "dims": (_dims(row), [int(x) for x in f[14:18]]),
        "epfd": (row["epfd"], int(f[18])),
        "dte": (int(row["dte"]), int(f[20])),
    }


def _s_type21(row: Row, f: list[str]) -> dict[str, tuple[Any, Any]]:
    # aid_type|name|accuracy|lon|lat|bow|stern|port|starboard|epfd|second|regional|
    # off_position (printed 0x%x)|raim|virtual_aid
    return {
        "aid_type": (_na(row["aid_type"], 0), int(f[3])),
        "name": (row["name"] or "", _gpsd_text(f[4])),
        "accuracy": (row["accuracy"], _b(f[5])),
        "lon": (_ll(row["lon"], 108600000), int(f[6])),
        "lat": (_ll(row["lat"], 54600000), int(f[7])),
        "dims": (_dims(row), [int(x) for x in f[8:12]]),
        "epfd": (row["epfd"], int(f[12])),
        "off_position": (row["off_position"], _b(f[15])),
        "raim": (row["raim"], _b(f[16])),
        "virtual_aid": (row["virtual_aid"], _b(f[17])),
    }


def _s_type27(row: Row, f: list[str]) -> dict[str, tuple[Any, Any]]:
    # status|accuracy|lon|lat|speed|course|raim|gnss  (lat/lon in 1/10 minute)
    return {
        "status": (_na(row["nav_status"], 15), int(f[3])),
        "accuracy": (row["accuracy"], _b(f[4])),
        "lon": (_ll(row["lon"], 108600, 600.0), int(f[5])),
        "lat": (_ll(row["lat"], 54600, 600.0), int(f[6])),
        "speed": (_na(row["sog"], 63), int(f[7])),
        "course": (lambda g: g >= 360 if row["cog"] is None else round(row["cog"]) == g, int(f[8])),
        "raim": (row["raim"], _b(f[9])),
    }


#: gpsdecode's CSV layout per type: (table, our checks).
_SAMPLE_FIELDS: dict[int, list[tuple[str, Check]]] = {
    1: [("positions", _s_pos13)],
    2: [("positions", _s_pos13)],
    3: [("positions", _s_pos13)],
    4: [("stations", _s_type4)],
    5: [("vessels", _s_type5)],
    18: [("positions", _s_type18)],
    19: [("positions", _s_class_b), ("vessels", _s_type19_vessel)],
    21: [("stations", _s_type21)],
    27: [("positions", _s_type27)],
}


def _mmsi_of(raw: bytes) -> int:
    """MMSI (bits 8-37) of the first payload characters of a sentence."""
    payload = raw.split(b",")[5]
    bits = "".join(format((c - 48) - (8 if c - 48 > 40 else 0), "06b") for c in payload[:7])
    return int(bits[8:38], 2)


@pytest.fixture(scope="module")
def sample() -> DecodeResult:
    assert GPSD is not None
    return decode_bytes((GPSD / "sample.aivdm").read_bytes(), file="sample.aivdm")


def _sample_rows() -> list[list[str]]:
    assert GPSD is not None
    rows = [ln.split("|") for ln in (GPSD / "sample.aivdm.chk").read_text().splitlines()]
    return [f for f in rows if f[0].isdigit() and int(f[0]) in (*_SAMPLE_FIELDS, 24)]


def test_sample_aivdm_fields_equal_gpsdecode_rows(sample: DecodeResult) -> None:
    queues: dict[tuple[str, int, int], list[Row]] = defaultdict(list)
    for table in ("positions", "vessels", "stations"):
        for r in getattr(sample, table).to_pylist():
            queues[(table, r["msg_type"], r["mmsi"])].append(r)
    rejected_mmsi = {
        _mmsi_of(r["raw"]): r["reason"]
        for r in sample.rejected.to_pylist()
        if r["raw"].startswith(b"!") and b",2,2," not in r["raw"]
    }
    problems: list[str] = []
    missing: list[tuple[int, int, str]] = []
    for f in _sample_rows():
        t, mmsi = int(f[0]), int(f[2])
        if t == 24:
            continue
        for table, check in _SAMPLE_FIELDS[t]:
            q = queues[(table, t, mmsi)]
            if not q:
                missing.append((t, mmsi, rejected_mmsi.get(mmsi, "not decoded")))
                break
            row = q.pop(0)
            where = f"sample.aivdm type {t} mmsi {mmsi} ({table})"
            problems += _problems(where, {"repeat": (row["repeat"], int(f[1])), **check(row, f)})
    _fail_with(problems)
    # gpsd's rows we have no message for are exactly the two messages we reject, and why:
    # 972158237's type 4 is at lon 205.1, lat 109.3 (off the Earth); the type 21 of
    # 004000003 has the text '\x0d\x0a' glued to its checksum in the file (gpsd's test
    # harness unescapes it; in a log it is damage).
    assert sorted(missing) == [
        (4, 972158237, "value_out_of_range"),
        (21, 4000003, "malformed_sentence"),
    ]


def test_sample_aivdm_type24_parts_equal_gpsdecode_merged_rows(sample: DecodeResult) -> None:
    vessels = [r for r in sample.vessels.to_pylist() if r["msg_type"] == 24]
    problems: list[str] = []
    for f in (f for f in _sample_rows() if f[0] == "24"):
        mmsi = int(f[2])
        names = {r["name"] for r in vessels if r["mmsi"] == mmsi and r["part"] == 0}
        b_rows = [r for r in vessels if r["mmsi"] == mmsi and r["part"] == 1]
        assert names == {_gpsd_text(f[3])}, mmsi
        assert b_rows, mmsi
        # shipname|shiptype|vendorid (gpsd prints 7 characters: vendor + model/serial bits)|
        # model|serial|callsign|bow|stern|port|starboard
        for b in b_rows:
            problems += _problems(
                f"sample.aivdm type 24B mmsi {mmsi}",
                {
                    "shiptype": (_na(b["ship_type"], 0), int(f[4])),
                    "vendorid": (b["vendor_id"] or "", f[5][:3]),
                    "callsign": (b["callsign"] or "", _gpsd_text(f[8])),
                    "dims": (_dims(b), [int(x) for x in f[9:13]]),
                },
            )
    _fail_with(problems)


def test_sample_aivdm_line_counts_add_up(sample: DecodeResult) -> None:
    assert GPSD is not None
    n = len(split_lines((GPSD / "sample.aivdm").read_bytes()))
    assert sum(sample.counts.values()) == n == sample.lines
    # '#' lines are gpsd's expected-value notes: comments, never rejected.
    assert sample.counts["comment"] == sum(
        1 for ln in split_lines((GPSD / "sample.aivdm").read_bytes()) if ln.startswith(b"#")
    )


def test_gpsd_files_are_where_the_oracles_expect_them() -> None:
    assert GPSD is not None
    for name in ("ais-nmea.log", "ais-nmea.log.chk", "sample.aivdm", "sample.aivdm.chk"):
        assert (GPSD / name).is_file(), name
    assert isinstance(GPSD, Path)
