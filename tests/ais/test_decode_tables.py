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
