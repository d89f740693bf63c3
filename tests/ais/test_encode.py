"""The encoder and the decoder agree, field by field, and pyais agrees with both.

Random field values (hypothesis) are encoded and framed, then decoded by our
decoder and by pyais (the independent oracle); every field must come back as
sent, to the field's resolution.
"""

from __future__ import annotations

import numpy as np
import pyais
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from watchkeeper.ais.decode import decode_bytes
from watchkeeper.ais.encode import encode_payloads, frame_sentences
from watchkeeper.ais.messages import LAYOUTS

SIXBIT = "@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_ !\"#$%&'()*+,-./0123456789:;<=>?"
text = st.text(alphabet=SIXBIT[1:], max_size=20).map(lambda s: s.strip())


def _frame(cols: dict[str, np.ndarray], source: str = "rx1", ts: int = 1_784_073_600_000) -> bytes:
    p = encode_payloads(cols)
    n = len(p)
    return frame_sentences(
        p,
        np.arange(n),
        np.full(n, ts),
        np.zeros(n, np.int32),
        [source],
        np.full(n, ord("B"), np.uint8),
    ).data


def _pyais(data: bytes) -> list[dict[str, object]]:
    lines = [ln.split(b"\\")[-1] for ln in data.splitlines()]
    return [m.decode().asdict() for m in pyais.stream.IterMessages(lines)]


position = st.fixed_dictionaries(
    {
        "msg_type": st.sampled_from([1, 2, 3, 18]),
        "mmsi": st.integers(1, 999_999_999),
        "lat": st.floats(-90, 90),
        "lon": st.floats(-180, 180),
        "sog": st.floats(0, 102.2),
        "cog": st.floats(0, 359.9),
        "heading": st.integers(-1, 359),
        "nav_status": st.integers(0, 15),
        "turn_raw": st.integers(-127, 127),
        "second": st.integers(0, 59),
    }
)


@settings(max_examples=200, deadline=None)
@given(st.lists(position, min_size=1, max_size=20))
def test_position_reports_round_trip_through_both_decoders(rows: list[dict[str, float]]) -> None:
    cols = {k: np.array([r[k] for r in rows]) for k in rows[0]}
    data = _frame(cols)
    ours = decode_bytes(data, final=True)
    assert sum(v for k, v in ours.counts.items() if k.startswith("rejected")) == 0
    got = ours.positions.to_pylist()
    theirs = _pyais(data)
    assert len(got) == len(theirs) == len(rows)
    for sent, mine, oracle in zip(rows, got, theirs, strict=True):
        assert mine["mmsi"] == oracle["mmsi"] == sent["mmsi"]
        assert abs(mine["lat"] - sent["lat"]) <= 0.5 / 600_000 + 1e-12
        assert abs(mine["lon"] - sent["lon"]) <= 0.5 / 600_000 + 1e-12
        assert abs(mine["lat"] - oracle["lat"]) < 1e-6  # pyais rounds to 6 decimals
        assert abs(mine["lon"] - oracle["lon"]) < 1e-6
        assert abs(mine["sog"] - sent["sog"]) <= 0.05 + 1e-6
        assert round(mine["cog"], 1) == oracle["course"]
        assert mine["second"] == oracle["second"] == sent["second"]
        expected_heading = None if sent["heading"] < 0 else sent["heading"]
        assert mine["heading"] == expected_heading
        if sent["msg_type"] != 18:
            assert mine["nav_status"] == (None if sent["nav_status"] == 15 else sent["nav_status"])
            assert mine["turn_raw"] == (None if sent["turn_raw"] == -128 else sent["turn_raw"])
        assert mine["source"] == "rx1"
        assert mine["ts_source"] == "tag_block"


static = st.fixed_dictionaries(
    {
        "mmsi": st.integers(200_000_000, 799_999_999),
        "name": text,
        "callsign": st.text(alphabet=SIXBIT[1:], max_size=7).map(lambda s: s.strip()),
        "destination": text,
        "imo": st.integers(0, 9_999_999),
        "ship_type": st.integers(0, 99),
        "to_bow": st.integers(0, 511),
        "draught": st.floats(0, 25.5).map(lambda d: round(d, 1)),
    }
)


@settings(max_examples=100, deadline=None)
@given(st.lists(static, min_size=1, max_size=10))
def test_static_messages_round_trip_as_two_sentences_with_groups(
    rows: list[dict[str, object]],
) -> None:
    cols = {k: np.array([r[k] for r in rows]) for k in rows[0]}
    cols["msg_type"] = np.full(len(rows), 5)
    data = _frame(cols)
    assert data.count(b"!AIVDM,2,1,") == len(rows)
    assert data.count(b"\\g:1-2-") == len(rows)
    vessels = decode_bytes(data, final=True).vessels.to_pylist()
    theirs = _pyais(data)
    assert len(vessels) == len(theirs) == len(rows)
    for sent, mine, oracle in zip(rows, vessels, theirs, strict=True):
        assert (mine["name"] or "") == oracle["shipname"] == sent["name"]
        assert (mine["callsign"] or "") == oracle["callsign"] == sent["callsign"]
        assert (mine["destination"] or "") == oracle["destination"] == sent["destination"]
        assert oracle["imo"] == sent["imo"]
        assert oracle["to_bow"] == sent["to_bow"]
        assert abs(oracle["draught"] - sent["draught"]) < 1e-9


def test_class_b_static_parts_beacon_text_and_base_station() -> None:
    cols = {
        "msg_type": np.array([24, 24, 14, 4]),
        "part": np.array([0, 1, -1, -1]),
        "mmsi": np.array([247000001, 247000001, 970123456, 6720001]),
        "name": np.array([b"sea breeze", b"", b"", b""]),
        "callsign": np.array([b"", b"IB2345", b"", b""]),
        "ship_type": np.array([0, 37, 0, 0]),
        "text": np.array([b"", b"", b"SART ACTIVE", b""]),
        "lat": np.array([0.0, 0.0, 35.1, 36.8]),
        "lon": np.array([0.0, 0.0, 12.1, 10.3]),
        "station_time": np.array([0, 0, 0, 1_784_073_605_000]),
    }
    theirs = _pyais(_frame(cols))
    assert theirs[0]["shipname"] == "SEA BREEZE"  # lower case is raised to the 6-bit set
    assert (theirs[1]["callsign"], theirs[1]["ship_type"]) == ("IB2345", 37)
    assert theirs[2]["text"] == "SART ACTIVE"
    assert (theirs[3]["year"], theirs[3]["month"], theirs[3]["second"]) == (2026, 7, 5)


def test_sequence_ids_cycle_per_source_and_checksums_verify() -> None:
    cols = {"msg_type": np.full(12, 5), "mmsi": np.arange(12) + 247000000}
    p = encode_payloads(cols)
    source = np.array([0, 1] * 6, np.int32)
    data = frame_sentences(
        p,
        np.arange(12),
        np.full(12, 1_784_073_600_000),
        source,
        ["a", "b"],
        np.full(12, ord("A"), np.uint8),
    ).data
    first = [ln for ln in data.splitlines() if b"!AIVDM,2,1," in ln]
    seq = [int(ln.split(b"!AIVDM,2,1,")[1].split(b",")[0]) for ln in first]
    assert seq[0::2] == [0, 1, 2, 3, 4, 5]  # source a
    assert seq[1::2] == [0, 1, 2, 3, 4, 5]  # source b
    for msg in pyais.stream.IterMessages([ln.split(b"\\")[-1] for ln in data.splitlines()]):
        assert msg.is_valid


@pytest.mark.parametrize(
    ("layout", "msg_type", "part"),
    [
        ("position_a", 1, -1),
        ("position_b", 18, -1),
        ("static_voyage", 5, -1),
        ("static_b_b", 24, 1),
    ],
)
def test_the_encoder_puts_every_field_where_the_layout_says(
    layout: str, msg_type: int, part: int
) -> None:
    """Each numeric field of the layout is found at its offset, with the value sent."""
    scale = {"lat": 600_000, "lon": 600_000, "sog": 10, "cog": 10, "draught": 10}
    sent = {
        "mmsi": 247_123_456,
        "nav_status": 7,
        "turn_raw": 17,
        "sog": 12.3,
        "accuracy": 1,
        "lon": 12.34567,
        "lat": 35.4321,
        "cog": 123.4,
        "heading": 321,
        "second": 42,
        "maneuver": 1,
        "raim": 1,
        "ais_version": 2,
        "imo": 9_123_457,
        "ship_type": 70,
        "to_bow": 300,
        "to_stern": 45,
        "to_port": 21,
        "to_starboard": 33,
        "epfd": 3,
        "eta_month": 7,
        "eta_day": 15,
        "eta_hour": 18,
        "eta_minute": 30,
        "draught": 9.5,
        "dte": 0,
        "part": part,
        "repeat": 0,
        "msg_type": msg_type,
    }
    payload = encode_payloads({k: np.array([v]) for k, v in sent.items()})
    bits = "".join(
        f"{(c - 48 if c - 48 < 40 else c - 56):06b}" for c in payload.chars[: payload.offsets[1]]
    )
    checked = 0
    for name, start, width in LAYOUTS[layout]:
        if name not in sent or name in ("callsign", "name", "destination", "vendor_id"):
            continue
        raw = int(bits[start : start + width], 2)
        if raw >= 1 << (width - 1) and name in ("lat", "lon", "turn_raw"):
            raw -= 1 << width
        assert raw == round(sent[name] * scale.get(name, 1)), name
        checked += 1
    assert checked >= 8


def test_the_decoder_reads_every_layout_field_back() -> None:
    """Our decoder returns what the layout placed (a static message with every field set)."""
    cols = {
        "msg_type": np.array([5]),
        "mmsi": np.array([247123456]),
        "imo": np.array([9123457]),
        "ship_type": np.array([70]),
        "to_bow": np.array([300]),
        "to_stern": np.array([45]),
        "to_port": np.array([21]),
        "to_starboard": np.array([33]),
        "epfd": np.array([3]),
        "eta_month": np.array([7]),
        "eta_day": np.array([15]),
        "eta_hour": np.array([18]),
        "eta_minute": np.array([30]),
        "draught": np.array([9.5]),
        "ais_version": np.array([2]),
        "name": np.array([b"BLUE STAR"]),
        "callsign": np.array([b"9HA123"]),
        "destination": np.array([b"TNTUN"]),
        "dte": np.array([0]),
    }
    row = decode_bytes(_frame(cols), final=True).vessels.to_pylist()[0]
    for name, _, _ in LAYOUTS["static_voyage"]:
        if name in ("msg_type", "repeat", "mmsi") or name not in cols:
            continue
        want = cols[name][0]
        got = row[name]
        if isinstance(want, bytes):
            want = want.decode()
        assert got == want or (name == "dte" and got is False), name


def test_layouts_name_the_offsets_the_decoder_reads() -> None:
    """Every field of every layout, set alone to a distinctive value, is read back from its place."""
    fields = {name: start for name, start, _ in LAYOUTS["position_a"]}
    assert (fields["lon"], fields["lat"], fields["heading"]) == (61, 89, 128)
    cols = {
        "msg_type": np.array([1]),
        "mmsi": np.array([123456789]),
        "heading": np.array([257]),
        "lat": np.array([12.5]),
        "lon": np.array([-45.25]),
    }
    payload = encode_payloads(cols)
    bits = "".join(
        f"{(c - 48 if c - 48 < 40 else c - 56):06b}" for c in payload.chars[: payload.offsets[1]]
    )
    assert int(bits[fields["heading"] : fields["heading"] + 9], 2) == 257
    assert int(bits[fields["lat"] : fields["lat"] + 27], 2) == round(12.5 * 600_000)
    assert int(bits[fields["mmsi"] : fields["mmsi"] + 30], 2) == 123456789
