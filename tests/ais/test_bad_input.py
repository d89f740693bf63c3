"""Damaged and awkward input: each bad line is rejected with the right reason, line
number and exact bytes, the rest of the input is still decoded, and every line is
counted exactly once."""

from __future__ import annotations

from collections import Counter

import pyais
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from watchkeeper.ais.decode import DecodeResult, StreamDecoder, decode_bytes

# Two real single-sentence type 1 reports (gpsd ais-nmea.log) and what pyais reads in them.
POS_1 = b"!AIVDM,1,1,,B,13aDp<PP000IwSlN?Wm@0?wN2<1T,0*29"
POS_2 = b"!AIVDM,1,1,,B,339FEj5P00PIwujN?fQv4?wPRD5:,0*64"
MMSI_1 = pyais.decode(POS_1).mmsi
MMSI_2 = pyais.decode(POS_2).mmsi


def checksum(body: bytes) -> bytes:
    x = 0
    for c in body:
        x ^= c
    return b"%02X" % x


def sentence(fields: bytes, talker: bytes = b"AIVDM") -> bytes:
    """`!AIVDM,<fields>*hh` with a correct checksum."""
    body = talker + b"," + fields
    return b"!" + body + b"*" + checksum(body)


def type5(mmsi: int, name: str, *, channel: str, seq: int) -> list[bytes]:
    return [
        s.encode()
        for s in pyais.encode_dict(
            {
                "msg_type": 5,
                "mmsi": mmsi,
                "shipname": name,
                "callsign": "CALL",
                "destination": "TUNIS",
            },
            talker_id="AI",
            sentence_type="VDM",
            radio_channel=channel,
            seq_id=seq,
        )
    ]


def decode_lines(
    lines: list[bytes], *, eol: bytes = b"\n", final_eol: bool = True, **kwargs: object
) -> DecodeResult:
    data = eol.join(lines) + (eol if final_eol else b"")
    return decode_bytes(data, file="bad.nmea", **kwargs)  # type: ignore[arg-type]


def rejected(result: DecodeResult) -> list[tuple[int, bytes, str]]:
    return [(r["line"], r["raw"], r["reason"]) for r in result.rejected.to_pylist()]


def assert_all_lines_counted(result: DecodeResult, n_lines: int) -> None:
    assert sum(result.counts.values()) == n_lines == result.lines
    assert (
        result.counts.get("ais", 0)
        + sum(v for k, v in result.counts.items() if k.startswith("rejected:"))
        >= result.rejected.num_rows
    )
    assert (
        sum(v for k, v in result.counts.items() if k.startswith("rejected:"))
        == result.rejected.num_rows
    )


def position_mmsis(result: DecodeResult) -> list[int]:
    return result.positions.column("mmsi").to_pylist()


# --------------------------------------------------------------------------- single bad lines


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        pytest.param(POS_1[:-2] + b"2A", "bad_checksum", id="corrupt-checksum"),
        pytest.param(POS_1[:-2] + b"29"[::-1], "bad_checksum", id="swapped-checksum-digits"),
        pytest.param(POS_1[: POS_1.index(b"*")], "no_checksum", id="missing-checksum"),
        pytest.param(POS_1[:-1], "no_checksum", id="one-checksum-digit"),
        pytest.param(POS_1[:-2] + b"G9", "no_checksum", id="non-hex-checksum"),
        pytest.param(sentence(b"1,1,,B,,0"), "empty_payload", id="empty-payload"),
        pytest.param(
            sentence(b"1,1,,B,13aDp<PP000IwSlN?Wm@0?wN2<1T,6"),
            "malformed_sentence",
            id="fill-bits-6",
        ),
        pytest.param(
            sentence(b"1,1,,B,13aDp<PP000IwSlN?Wm@0?wN2<1T,x"),
            "malformed_sentence",
            id="fill-bits-not-a-number",
        ),
        pytest.param(
            sentence(b"1,1,,B,13aDp<PP000IwSlN?Wm@0?wN2<1T"),
            "malformed_sentence",
            id="no-fill-bits-field",
        ),
        pytest.param(
            sentence(b"2,3,,B,13aDp<PP000IwSlN?Wm@0?wN2<1T,0"),
            "malformed_sentence",
            id="fragment-number-above-count",
        ),
        pytest.param(
            sentence(b"0,1,,B,13aDp<PP000IwSlN?Wm@0?wN2<1T,0"),
            "malformed_sentence",
            id="fragment-count-0",
        ),
        pytest.param(POS_1 + b"garbage", "malformed_sentence", id="text-glued-to-checksum"),
        pytest.param(
            sentence(b"1,1,,B,13aDp<PP000IwSlN?Wm@0?wN2<1X,0"),
            "bad_payload_char",
            id="payload-char-X",
        ),
        pytest.param(
            sentence(b"1,1,,B,13aDp<PP000Iw,0"), "payload_too_short", id="type-1-of-72-bits"
        ),
        pytest.param(sentence(b"1,1,,B,1,0"), "payload_too_short", id="one-character-payload"),
        pytest.param(
            b"\\c:1234567890!AIVDM,1,1,,B,1,0*1F", "bad_tag_block", id="unclosed-tag-block"
        ),
        pytest.param(b"IamNotAnAisMessage1111", "not_nmea", id="not-nmea"),
        pytest.param(b"AIVDM,2,2,1,B,00000000000,2*26", "not_nmea", id="sentence-without-bang"),
        pytest.param(b"\x00\x01\x02garbage\xff\xfe", "binary_data", id="binary-with-nul"),
        pytest.param(
            b"!AIVDM,1,1,,B,13aDp<PP0\xc3\x28IwSlN?Wm@0?wN2<1T,0*29",
            "binary_data",
            id="invalid-utf8-in-sentence",
        ),
        pytest.param(
            "!AIVDM,1,1,,B,Ünïcödé,0*29".encode(), "binary_data", id="valid-utf8-non-ascii"
        ),
        pytest.param(b"!" + b"A" * 3000, "line_too_long", id="line-too-long"),
    ],
)
def test_a_bad_line_is_rejected_with_its_reason_and_the_rest_still_decodes(
    bad: bytes, reason: str
) -> None:
    result = decode_lines([POS_1, bad, POS_2])
    assert rejected(result) == [(2, bad, reason)]
    assert position_mmsis(result) == [MMSI_1, MMSI_2]
    assert result.counts == Counter({"ais": 2, f"rejected:{reason}": 1})
    assert result.rejected.column("file").to_pylist() == ["bad.nmea"]
    assert_all_lines_counted(result, 3)


def test_pyais_decodes_the_corrupt_checksum_line_unless_asked_to_check() -> None:
    bad = POS_1[:-2] + b"2A"
    assert pyais.decode(bad).mmsi == MMSI_1
    with pytest.raises(pyais.exceptions.InvalidNMEAChecksum):
        pyais.decode(bad, error_if_checksum_invalid=True)
    assert rejected(decode_lines([bad])) == [(1, bad, "bad_checksum")]


@pytest.mark.parametrize(
    ("lat", "lon"),
    [(95.0, 10.0), (-91.0, 10.0), (-90.5, 0.0), (45.0, 181.5), (45.0, -181.0), (111.0, 200.0)],
)
def test_a_position_off_the_earth_is_rejected_as_value_out_of_range(lat: float, lon: float) -> None:
    (bad,) = pyais.encode_dict(
        {"msg_type": 1, "mmsi": 244660274, "lat": lat, "lon": lon},
        talker_id="AI",
        sentence_type="VDM",
    )
    result = decode_lines([POS_1, bad.encode(), POS_2])
    assert rejected(result) == [(2, bad.encode(), "value_out_of_range")]
    assert position_mmsis(result) == [MMSI_1, MMSI_2]
    assert_all_lines_counted(result, 3)


@pytest.mark.parametrize(
    ("lat", "lon"), [(91.0, 10.0), (10.0, 181.0), (91.0, 181.0), (90.0, 180.0), (-90.0, -180.0)]
)
def test_not_available_and_extreme_positions_are_kept_not_rejected(lat: float, lon: float) -> None:
    (line,) = pyais.encode_dict(
        {"msg_type": 1, "mmsi": 244660274, "lat": lat, "lon": lon},
        talker_id="AI",
        sentence_type="VDM",
    )
    (row,) = decode_lines([line.encode()]).positions.to_pylist()
    assert row["lat"] == (None if lat == 91 else lat)
    assert row["lon"] == (None if lon == 181 else lon)


@pytest.mark.parametrize("t", [4, 18, 19, 21, 27])
def test_other_position_types_off_the_earth_are_rejected_too(t: int) -> None:
    data = {"msg_type": t, "mmsi": 2470052, "lat": 95.0, "lon": 10.0, "shipname": "X", "name": "Y"}
    sentences = [s.encode() for s in pyais.encode_dict(data, talker_id="AI", sentence_type="VDM")]
    result = decode_lines([POS_1, *sentences])
    assert [r[2] for r in rejected(result)] == ["value_out_of_range"] * len(sentences)
    assert position_mmsis(result) == [MMSI_1]
    assert result.message_types == Counter({1: 1})


# --------------------------------------------------------------------------- fragments


def test_a_first_fragment_without_its_second_is_an_incomplete_message() -> None:
    first, _ = type5(211129800, "SEA ENTERPRISE", channel="A", seq=3)
    result = decode_lines([POS_1, first, POS_2])
    assert rejected(result) == [(2, first, "incomplete_message")]
    assert position_mmsis(result) == [MMSI_1, MMSI_2]
    assert result.vessels.num_rows == 0
    assert_all_lines_counted(result, 3)


def test_a_second_fragment_without_its_first_is_an_orphan() -> None:
    _, second = type5(211129800, "SEA ENTERPRISE", channel="A", seq=3)
    result = decode_lines([POS_1, second, POS_2])
    assert rejected(result) == [(2, second, "orphan_fragment")]
    assert position_mmsis(result) == [MMSI_1, MMSI_2]
    assert_all_lines_counted(result, 3)


def test_a_restarted_group_rejects_the_unfinished_one_and_decodes_the_new_one() -> None:
    old_first, _ = type5(111111111, "OLD", channel="A", seq=3)
    first, second = type5(222222222, "NEW", channel="A", seq=3)
    result = decode_lines([old_first, first, second])
    assert rejected(result) == [(1, old_first, "incomplete_message")]
    assert result.vessels.select(["mmsi", "name"]).to_pylist() == [
        {"mmsi": 222222222, "name": "NEW"}
    ]


def test_interleaved_groups_on_two_channels_are_reassembled_each_with_its_own() -> None:
    a1, a2 = type5(211129800, "ALPHA", channel="A", seq=1)
    b1, b2 = type5(244660274, "BRAVO", channel="B", seq=1)
    result = decode_lines([a1, b1, a2, b2])
    assert rejected(result) == []
    rows = result.vessels.select(["mmsi", "name", "callsign", "destination"]).to_pylist()
    assert rows == [
        {"mmsi": 211129800, "name": "ALPHA", "callsign": "CALL", "destination": "TUNIS"},
        {"mmsi": 244660274, "name": "BRAVO", "callsign": "CALL", "destination": "TUNIS"},
    ]
    assert pyais.decode(a1, a2).shipname == "ALPHA"
    assert pyais.decode(b1, b2).shipname == "BRAVO"


def test_interleaved_groups_with_different_sequence_ids_on_one_channel_are_kept_apart() -> None:
    a1, a2 = type5(211129800, "ALPHA", channel="A", seq=1)
    b1, b2 = type5(244660274, "BRAVO", channel="A", seq=2)
    result = decode_lines([a1, b1, b2, a2])
    assert result.vessels.select(["mmsi", "name"]).to_pylist() == [
        {"mmsi": 244660274, "name": "BRAVO"},
        {"mmsi": 211129800, "name": "ALPHA"},
    ]


def test_other_nmea_lines_between_fragments_do_not_break_the_group() -> None:
    first, second = type5(211129800, "SEA ENTERPRISE", channel="B", seq=9)
    gga = b"$GPGGA,213950.00,5250.53669,N,00542.34920,E,1,09,1.03,-6.0,M,45.8,M,,*7B"
    result = decode_lines([first, gga, b"", b"# note", POS_1, second])
    assert rejected(result) == []
    assert result.vessels.column("name").to_pylist() == ["SEA ENTERPRISE"]
    assert result.counts == Counter({"ais": 3, "other_nmea": 1, "blank": 1, "comment": 1})


@pytest.mark.parametrize(
    ("fillers", "window", "decoded"),
    [(3, 4, True), (4, 4, False), (0, 1, True), (1, 1, False), (300, 256, False), (255, 256, True)],
)
def test_an_incomplete_group_expires_after_window_lines(
    fillers: int, window: int, decoded: bool
) -> None:
    first, second = type5(211129800, "LATE", channel="A", seq=2)
    lines = [first, *[POS_2] * fillers, second]
    result = decode_lines(lines, window=window)
    if decoded:
        assert rejected(result) == []
        assert result.vessels.column("name").to_pylist() == ["LATE"]
    else:
        assert rejected(result) == [
            (1, first, "incomplete_message"),
            (fillers + 2, second, "orphan_fragment"),
        ]
        assert result.vessels.num_rows == 0
    assert result.message_types[3] == fillers  # POS_2 is a type 3
    assert_all_lines_counted(result, fillers + 2)


def test_a_group_still_open_at_the_end_of_a_stream_is_rejected_on_close() -> None:
    first, second = type5(211129800, "SPLIT", channel="A", seq=4)
    dec = StreamDecoder(file="live")
    r1 = dec.feed(POS_1 + b"\n" + first + b"\n")
    assert position_mmsis(r1) == [MMSI_1]
    r2 = dec.close()
    assert rejected(r2) == [(2, first, "incomplete_message")]
    assert r2.rejected.column("file").to_pylist() == ["live"]
    # ...whereas the second fragment arriving in a later chunk completes it.
    dec = StreamDecoder(file="live")
    got = [dec.feed(first + b"\n"), dec.feed(second + b"\n"), dec.close()]
    assert DecodeResult.concat(got).vessels.column("name").to_pylist() == ["SPLIT"]


# --------------------------------------------------------------------------- whole inputs


def test_an_empty_input_gives_empty_tables_and_no_lines() -> None:
    result = decode_bytes(b"")
    assert result.lines == 0
    assert sum(result.counts.values()) == 0
    assert all(t.num_rows == 0 for t in result.tables().values())


def test_a_last_line_without_newline_is_decoded() -> None:
    result = decode_lines([POS_1, POS_2], final_eol=False)
    assert position_mmsis(result) == [MMSI_1, MMSI_2]
    assert_all_lines_counted(result, 2)


def test_a_bad_last_line_without_newline_is_rejected_with_its_exact_bytes() -> None:
    bad = POS_2[:-2] + b"00"
    result = decode_lines([POS_1, bad], final_eol=False)
    assert rejected(result) == [(2, bad, "bad_checksum")]


def test_crlf_line_ends_decode_and_rejected_raw_drops_only_the_cr() -> None:
    bad = POS_2[:-2] + b"00"
    first, second = type5(211129800, "CRLF", channel="A", seq=5)
    result = decode_lines([POS_1, first, second, bad, b""], eol=b"\r\n")
    assert position_mmsis(result) == [MMSI_1]
    assert result.vessels.column("name").to_pylist() == ["CRLF"]
    assert rejected(result) == [(4, bad, "bad_checksum")]
    assert result.counts == Counter({"ais": 3, "rejected:bad_checksum": 1, "blank": 1})


@settings(max_examples=200, deadline=None)
@given(
    garbage=st.binary(max_size=200).map(lambda b: b"\x00" + b.replace(b"\n", b"") + b"\xff"),
    at=st.integers(0, 2),
)
def test_random_binary_garbage_is_rejected_as_binary_and_nothing_else_is_lost(
    garbage: bytes, at: int
) -> None:
    lines = [POS_1, POS_2]
    lines.insert(at, garbage)
    result = decode_lines(lines)
    assert rejected(result) == [(at + 1, garbage, "binary_data")]
    assert position_mmsis(result) == [MMSI_1, MMSI_2]
    assert_all_lines_counted(result, 3)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=400))
def test_any_bytes_at_all_are_counted_line_by_line_without_crashing(data: bytes) -> None:
    result = decode_bytes(data)
    n = len(data.split(b"\n")) - (1 if data.endswith(b"\n") else 0) if data else 0
    assert sum(result.counts.values()) == n == result.lines
    for row in result.rejected.to_pylist():
        assert row["raw"] == data.split(b"\n")[row["line"] - 1].removesuffix(b"\r")


def test_a_bad_line_between_a_wrapper_and_its_sentence_does_not_lend_it_the_time() -> None:
    pghp = b"$PGHP,1,2014,10,2,16,30,3,887,219,1,992190917,1,7B*5C"
    bad = POS_1[:-2] + b"00"
    result = decode_lines([pghp, bad, POS_2])
    assert rejected(result) == [(2, bad, "bad_checksum")]
    (row,) = result.positions.to_pylist()
    assert (row["ts"], row["ts_source"]) == (None, "none")


@pytest.mark.parametrize("part", [2, 3])
def test_a_class_b_static_report_with_an_undefined_part_number_is_rejected(part: int) -> None:
    # Only parts A (0) and B (1) exist; pyais refuses the others too.
    (good,) = pyais.encode_dict(
        {"msg_type": 24, "mmsi": 271041815, "partno": 1, "ship_type": 60},
        talker_id="AI",
        sentence_type="VDM",
    )
    bits = "".join(
        format((c - 48) - (8 if c - 48 > 40 else 0), "06b") for c in good.split(",")[5].encode()
    )
    bits = bits[:38] + format(part, "02b") + bits[40:]
    payload = "".join(
        chr(v + 48 if v < 40 else v + 56)
        for v in (int(bits[i : i + 6], 2) for i in range(0, len(bits), 6))
    )
    bad = sentence(f"1,1,,A,{payload},0".encode())
    with pytest.raises(pyais.exceptions.UnknownPartNoException):
        pyais.decode(bad)
    result = decode_lines([POS_1, bad])
    assert [(line, raw) for line, raw, _ in rejected(result)] == [(2, bad)]
    assert result.vessels.num_rows == 0
    assert position_mmsis(result) == [MMSI_1]


@pytest.mark.parametrize(
    "wrapped",
    [
        [b"$PGHP,1,2021,4,31,12,0,0,0,219,,2190077,1,00*00", POS_1],  # 31 April
        [b"2021-02-30T12:00:00Z " + POS_1],  # 30 February
        [b"$PGHP,1,2021,6,15,12,0,61,0,219,,2190077,1,00*00", POS_1],  # second 61
    ],
    ids=["pghp-31-april", "iso-30-february", "pghp-second-61"],
)
def test_a_wrapper_time_that_is_not_a_real_time_gives_the_message_no_time(
    wrapped: list[bytes],
) -> None:
    (row,) = decode_lines(wrapped).positions.to_pylist()
    assert (row["ts"], row["ts_source"]) == (None, "none")
