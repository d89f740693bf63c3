"""The decoder against pyais on every real log in the shared data folder.

pyais 3.3.1 is the oracle: `ais_oracle` splits the lines, reassembles fragments and
decodes each message with `pyais.decode(..., error_if_checksum_invalid=True)`
independently of `watchkeeper.ais`. Every decoded field must agree, every line the
decoder rejects must be one the oracle rejects for the same documented reason, and
the number of messages per type must be the same.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections import Counter
from pathlib import Path
from typing import Any

import pyais
import pytest
from ais_oracle import (
    POSITION_TYPES,
    ROUNDED_TURN,
    STATION_TYPES,
    VESSEL_TYPES,
    OracleLine,
    OracleMessage,
    expected_columns,
    oracle_decode,
    raw_logs,
    shared_ais_dir,
    split_lines,
    values_differ,
)
from pyais.exceptions import InvalidNMEAChecksum

from watchkeeper.ais.decode import DecodeResult, decode_bytes

DATA = shared_ais_dir()
needs_data = pytest.mark.skipif(DATA is None, reason="shared AIS data folder not present")
LOGS = raw_logs(DATA) if DATA else []
IDS = [str(p.relative_to(DATA)) for p in LOGS] if DATA else []
TABLES = {"positions": POSITION_TYPES, "vessels": VESSEL_TYPES, "stations": STATION_TYPES}
MAX_REPORTED = 20


@functools.cache
def _decoded(path: Path) -> tuple[DecodeResult, list[OracleLine], list[OracleMessage]]:
    data = path.read_bytes()
    lines, messages = oracle_decode(data)
    return decode_bytes(data, file=path.name), lines, messages


def _fail_with(problems: list[str], what: str) -> None:
    if problems:
        shown = "\n  ".join(problems[:MAX_REPORTED])
        pytest.fail(f"{len(problems)} {what} (first {MAX_REPORTED}):\n  {shown}")


def _field_problems(ours: dict[str, Any], expected: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(field, ours, pyais) for every field that differs."""
    out = []
    for name, want in expected.items():
        got = ours[name]
        if name == "turn_raw" and want == ROUNDED_TURN:
            # The raw ROT is not recoverable from pyais' rounded rate; it must be the one
            # our own `turn` comes from: turn = sign * (raw / 4.733) ** 2.
            ok = (
                got is not None
                and abs(got) < 127
                and ours["turn"] is not None
                and math.isclose(
                    ours["turn"], math.copysign((got / 4.733) ** 2, got), rel_tol=1e-6, abs_tol=1e-6
                )
            )
        elif name == "turn" and want is not None:
            # pyais rounds the rate to whole degrees per minute.
            ok = got is not None and math.copysign(round(abs(got)), got) == want
        elif name in ("lat", "lon"):
            ok = not values_differ(got, want, tol=1e-6)
        else:
            ok = not values_differ(got, want, tol=1e-4)
        if not ok:
            out.append((name, got, want))
    return out


@needs_data
@pytest.mark.parametrize("path", LOGS, ids=IDS)
def test_every_line_is_counted_once_in_the_category_the_oracle_gives_it(path: Path) -> None:
    result, lines, _ = _decoded(path)
    assert sum(result.counts.values()) == len(split_lines(path.read_bytes())) == result.lines
    expected = Counter(
        ln.kind if ln.kind != "rejected" else f"rejected:{ln.reason}" for ln in lines
    )
    assert Counter(result.counts) == expected


@needs_data
@pytest.mark.parametrize("path", LOGS, ids=IDS)
def test_rejected_lines_are_the_ones_the_oracle_rejects_with_the_same_reason_and_bytes(
    path: Path,
) -> None:
    result, lines, _ = _decoded(path)
    ours = {row["line"]: row for row in result.rejected.to_pylist()}
    expected = {ln.number: ln for ln in lines if ln.kind == "rejected"}
    problems = []
    for number in sorted(set(ours) | set(expected)):
        got = ours.get(number)
        want = expected.get(number)
        got_reason = got["reason"] if got else None
        want_reason = want.reason if want else None
        if got_reason != want_reason:
            problems.append(
                f"{path.name}:{number}: reason ours={got_reason} oracle={want_reason}"
                f" line={lines[number - 1].raw[:90]!r}"
            )
        elif got and got["raw"] != lines[number - 1].raw:
            problems.append(
                f"{path.name}:{number}: raw ours={got['raw']!r} line={lines[number - 1].raw!r}"
            )
        elif got and got["file"] != path.name:
            problems.append(f"{path.name}:{number}: file {got['file']!r}")
    _fail_with(problems, "rejection mismatches")


@needs_data
@pytest.mark.parametrize("path", LOGS, ids=IDS)
def test_messages_per_type_equal_what_pyais_decodes_minus_documented_rejections(
    path: Path,
) -> None:
    result, _, messages = _decoded(path)
    decoded = Counter(m.msg_type for m in messages if m.reason is None)
    assert dict(result.message_types) == dict(decoded)
    # Whatever pyais cannot decode at all is rejected by us too (never silently dropped).
    refused = [m for m in messages if m.reason and m.reason.startswith("pyais:")]
    assert refused == [], [(m.lines, m.reason) for m in refused]
    tables = {name: getattr(result, name).num_rows for name in TABLES}
    assert tables["positions"] == sum(decoded[t] for t in POSITION_TYPES)
    assert tables["vessels"] == sum(decoded[t] for t in VESSEL_TYPES)
    assert tables["stations"] == sum(decoded[t] for t in STATION_TYPES)
    assert result.other.num_rows == sum(
        v for t, v in decoded.items() if t not in (POSITION_TYPES | VESSEL_TYPES | STATION_TYPES)
    )


@needs_data
@pytest.mark.parametrize("path", LOGS, ids=IDS)
def test_every_decoded_field_equals_pyais(path: Path) -> None:
    result, _, messages = _decoded(path)
    good = [m for m in messages if m.reason is None]
    problems = []
    for table, types in TABLES.items():
        ours = getattr(result, table).to_pylist()
        theirs = [m for m in good if m.msg_type in types]
        assert len(ours) == len(theirs), f"{table}: {len(ours)} rows, pyais {len(theirs)}"
        for row, m in zip(ours, theirs, strict=True):
            where = f"{path.name}:{m.lines[0]}"
            if (row["mmsi"], row["msg_type"]) != (int(m.msg.mmsi), m.msg_type):
                problems.append(
                    f"{where}: {table} out of step: ours mmsi={row['mmsi']} "
                    f"type={row['msg_type']}, pyais {m.msg.mmsi} type {m.msg_type}"
                )
                break
            for field, got, want in _field_problems(row, expected_columns(m, table)):
                problems.append(
                    f"{where} {table}.{field}: ours={got!r} pyais={want!r} input={m.raw[0][:80]!r}"
                )
    _fail_with(problems, "field mismatches")


@needs_data
@pytest.mark.parametrize("path", LOGS, ids=IDS)
def test_message_time_and_source_come_from_tag_block_then_wrappers_as_the_oracle_reads_them(
    path: Path,
) -> None:
    result, _, messages = _decoded(path)
    good = [m for m in messages if m.reason is None]
    problems = []
    for table, types in TABLES.items():
        rows = getattr(result, table).select(["ts", "ts_source", "source"]).to_pylist()
        for row, m in zip(rows, [m for m in good if m.msg_type in types], strict=True):
            want = None if m.ts_ms is None else dt.datetime.fromtimestamp(m.ts_ms / 1000, dt.UTC)
            got = (row["ts"], row["ts_source"], row["source"])
            if got != (want, m.ts_source, m.source or path.name):
                problems.append(
                    f"{path.name}:{m.lines[0]}: ours {got}, oracle "
                    f"{(want, m.ts_source, m.source or path.name)}"
                )
    _fail_with(problems, "time or source mismatches")


def _sentence_of(raw: bytes) -> bytes:
    start = raw.find(b"!")
    return raw[start:] if start >= 0 else raw


@needs_data
@pytest.mark.parametrize("path", LOGS, ids=IDS)
def test_each_rejected_line_is_one_pyais_refuses_or_decodes_to_an_impossible_message(
    path: Path,
) -> None:
    result, _, _ = _decoded(path)
    problems = []
    for row in result.rejected.to_pylist():
        reason, raw = row["reason"], row["raw"]
        sentence = _sentence_of(raw)
        if reason in ("value_out_of_range", "payload_too_short"):
            # pyais decodes these (a message is judged whole, by the oracle test above);
            # a single-sentence one off the Earth is checked here too.
            single = b",1,1," in sentence
            msg = pyais.decode(sentence, error_if_checksum_invalid=True) if single else None
            off_earth = msg is not None and (
                (abs(msg.lat) > 90 and msg.lat != 91) or (abs(msg.lon) > 180 and msg.lon != 181)
            )
            if msg is not None and reason == "value_out_of_range" and not off_earth:
                problems.append(f"{path.name}:{row['line']} {reason}: pyais {msg}")
            continue
        try:
            pyais.decode(sentence, error_if_checksum_invalid=True)
        except Exception:  # noqa: BLE001 - any refusal will do
            continue
        problems.append(f"{path.name}:{row['line']} {reason}: pyais decodes {raw!r}")
    _fail_with(problems, "rejections pyais accepts")


# --- Documented differences from pyais, pinned on the real lines where they occur ----------


def _lines(path: Path, first: int, last: int) -> bytes:
    return b"\n".join(split_lines(path.read_bytes())[first - 1 : last]) + b"\n"


def test_pyais_decodes_a_bad_checksum_line_only_when_told_to_ignore_checksums() -> None:
    good = b"!AIVDM,1,1,,B,13aDp<PP000IwSlN?Wm@0?wN2<1T,0*29"
    bad = good[:-2] + b"2A"
    assert pyais.decode(bad).mmsi == pyais.decode(good).mmsi  # the default: decoded anyway
    with pytest.raises(InvalidNMEAChecksum):
        pyais.decode(bad, error_if_checksum_invalid=True)
    result = decode_bytes(good + b"\n" + bad + b"\n")
    assert result.positions.column("mmsi").to_pylist() == [pyais.decode(good).mmsi]
    assert result.rejected.to_pylist() == [
        {"file": "<input>", "line": 2, "raw": bad, "reason": "bad_checksum"}
    ]


@needs_data
def test_text_ends_at_the_first_at_sign_where_pyais_keeps_what_follows() -> None:
    assert DATA is not None
    # DMA 2013-11-12, a type 5 whose destination reads 'VARIABLE@@H   @E' in pyais.
    data = _lines(DATA / "dma-aisabnormal" / "ais-sample-20131112.txt", 49166, 49169)
    sentences = [s for s in data.split(b"\n") if s.startswith(b"!")]
    assert pyais.decode(*sentences).destination == "VARIABLE@@H   @E"
    (row,) = decode_bytes(data).vessels.to_pylist()
    assert row["destination"] == "VARIABLE"
    assert row["ts"] == dt.datetime(2013, 11, 12, 12, 2, 51, 367000, tzinfo=dt.UTC)
    assert row["ts_source"] == "wrapper"


@needs_data
def test_ship_type_is_the_raw_code_where_pyais_collapses_reserved_codes() -> None:
    assert DATA is not None
    data = _lines(DATA / "amsa-risky" / "exact-earth-with-tag-block.txt", 202, 203)
    sentences = [s[s.index(b"!") :] for s in data.split(b"\n") if s]
    assert int(pyais.decode(*sentences).ship_type) == 75  # pyais' Cargo_Reserved
    (row,) = decode_bytes(data).vessels.to_pylist()
    assert row["ship_type"] == 78
    assert row["ts_source"] == "tag_block"
    assert row["ts"] == dt.datetime.fromtimestamp(1334299219, dt.UTC)


def test_null_talker_sentences_are_decoded_like_any_other() -> None:
    line = b"!--VDM,1,1,,A,802R5Ph0BkAgoPNCkQn0Q@sMKgwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwt,2*57\n"
    result = decode_bytes(line)
    assert result.counts == Counter({"ais": 1})
    assert result.other.column("mmsi").to_pylist() == [pyais.decode(line.strip()).mmsi]


@needs_data
def test_aid_name_extension_keeps_its_blank_where_pyais_strips_name_and_extension_apart() -> None:
    assert DATA is not None
    # aisdb 2021-11-01: name field 'CHANNEL PORT VIRTUAL' (full), extension ' NO.4'.
    data = _lines(DATA / "aisdb" / "test_data_20211101.nm4", 237, 237)
    msg = pyais.decode(data[data.index(b"!") :].strip())
    assert (msg.name, msg.name_ext, msg.full_name) == (
        "CHANNEL PORT VIRTUAL",
        "NO.4",
        "CHANNEL PORT VIRTUALNO.4",
    )
    (row,) = decode_bytes(data).stations.to_pylist()
    assert row["name"] == "CHANNEL PORT VIRTUAL NO.4"
    assert (row["source"], row["ts_source"]) == ("41925", "tag_block")
