"""Which table each message type lands in, and the columns that are null for it."""

from __future__ import annotations

from watchkeeper.ais.decode import decode_bytes

TYPE_4 = b"!AIVDM,1,1,,B,402R3Wiuef:dO0tgkNOgc?A00HBd,0*76"
TYPE_5 = (
    b"!AIVDM,2,1,1,A,55?MbV02;H;s<HtKR20EHE:0@T4@Dn2222222216L961O5Gf0NSQEp6ClRp8,0*1C\n"
    b"!AIVDM,2,2,1,A,88888888880,2*25"
)


def test_a_base_station_alone_decodes_with_no_name() -> None:
    result = decode_bytes(TYPE_4 + b"\n")
    assert result.stations.num_rows == 1
    assert result.stations.column("name").to_pylist() == [None]
    assert result.stations.column("msg_type").to_pylist() == [4]


def test_a_base_station_does_not_take_the_name_of_a_vessel_before_it() -> None:
    result = decode_bytes(TYPE_5 + b"\n" + TYPE_4 + b"\n")
    assert result.vessels.column("name").to_pylist() == ["EVER DIADEM"]
    assert result.stations.column("name").to_pylist() == [None]


def test_a_line_without_end_is_rejected_once_and_never_fills_memory() -> None:
    from watchkeeper.ais.decode import MAX_CARRIED_LINE, DecodeResult, StreamDecoder

    garbage = b"x" * (3 * MAX_CARRIED_LINE)
    data = b"!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23\n" + garbage + b"\n" + TYPE_4 + b"\n"
    decoder = StreamDecoder(file="long.nmea")
    results = []
    largest_carry = 0
    for at in range(0, len(data), 64 * 1024):
        results.append(decoder.feed(data[at : at + 64 * 1024]))
        largest_carry = max(largest_carry, decoder.pending_bytes)
    results.append(decoder.close())
    total = DecodeResult.concat(results)
    assert largest_carry <= MAX_CARRIED_LINE + 64 * 1024
    assert dict(total.counts) == {"ais": 2, "rejected:line_too_long": 1}
    assert total.rejected.column("line").to_pylist() == [2]
    assert total.rejected.column("raw")[0].as_py().startswith(b"xxxx")
    assert total.positions.num_rows == 1
    assert total.stations.num_rows == 1
    assert decoder.consumed_bytes == len(data)
    assert total.lines == 3
