"""Decoded CSV archives (NOAA MarineCadastre, Danish Maritime Authority) into the decoder's tables.

The NOAA sample is checked row by row against Python's own ``csv`` module; the DMA
layout, bad rows, gzip and resuming use small files written here.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import math
from pathlib import Path

import pyarrow as pa
import pytest
from ais_oracle import shared_ais_dir

from watchkeeper import schema
from watchkeeper.ais import csv_archive, reasons
from watchkeeper.ais.csv_archive import BAD_ROW, is_decoded_csv, iter_decode_csv
from watchkeeper.ais.csv_layouts import COLUMN_ALIASES, normalise, parse_header
from watchkeeper.ais.decode import DecodeResult
from watchkeeper.ais.reader import iter_decode_file
from watchkeeper.errors import InputError

UTC = dt.UTC
NOAA_HEADER = (
    "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,"
    "Length,Width,Draft,Cargo,TransceiverClass"
)
DMA_HEADER = (
    "# Timestamp,Type of mobile,MMSI,Latitude,Longitude,Navigational status,ROT,SOG,COG,"
    "Heading,IMO,Callsign,Name,Ship type,Cargo type,Width,Length,"
    "Type of position fixing device,Draught,Destination,ETA,Data source type,A,B,C,D"
)


def _noaa_sample() -> Path:
    root = shared_ais_dir()
    path = root / "aisdb" / "test_data_noaa_20230101.csv" if root else None
    if path is None or not path.is_file():
        pytest.skip("shared AIS data (/work/shared/data/ais) not present")
    return path


def _decode(path: Path, **kw: int) -> tuple[DecodeResult, list[int]]:
    pairs = list(iter_decode_csv(path, **kw))
    return DecodeResult.concat([r for r, _ in pairs]), [o for _, o in pairs]


def _lines_of(path: Path) -> int:
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def _check_accounting(result: DecodeResult, path: Path) -> None:
    assert sum(result.counts.values()) == result.lines == _lines_of(path)
    rejected = sum(v for k, v in result.counts.items() if k.startswith("rejected:"))
    assert rejected == result.rejected.num_rows
    assert set(result.counts) <= set(reasons.CATEGORIES)
    assert set(result.rejected.column("reason").to_pylist()) <= set(reasons.REASONS[1:])
    assert result.positions.schema == schema.POSITIONS
    assert result.vessels.schema == schema.VESSELS
    assert result.stations.schema == schema.STATIONS
    assert result.rejected.schema == schema.REJECTED


def _write(path: Path, header: str, rows: list[str], *, eol: str = "\n") -> Path:
    path.write_bytes((eol.join([header, *rows]) + eol).encode())
    return path


# --- NOAA MarineCadastre -------------------------------------------------------------


def test_noaa_sample_is_detected_and_raw_logs_are_not() -> None:
    path = _noaa_sample()
    assert is_decoded_csv(path)
    assert not is_decoded_csv(path.parent / "test_data_20211101.nm4")
    assert not is_decoded_csv(path.parent / "does-not-exist.csv")


def test_noaa_sample_first_rows_exactly() -> None:
    path = _noaa_sample()
    result, offsets = _decode(path)
    assert offsets == [path.stat().st_size]
    _check_accounting(result, path)
    assert dict(result.counts) == {"comment": 1, "ais": 1000}
    assert result.positions.num_rows == 1000
    assert result.rejected.num_rows == 0
    assert result.stations.num_rows == 0
    p = result.positions.to_pylist()
    # 367752440,2023-01-11T00:00:00,43.07917,-70.75733,0.0,360.0,95.0,SAN JOSE,,WDI9818,31,0.0,,,,52.0,A
    assert p[0] == {
        "mmsi": 367752440, "ts": dt.datetime(2023, 1, 11, tzinfo=UTC), "ts_source": "wrapper",
        "lat": 43.07917, "lon": -70.75733, "sog": 0.0, "cog": None, "heading": 95,
        "nav_status": 0, "turn": None, "turn_raw": None, "second": None, "maneuver": None,
        "raim": None, "accuracy": None, "msg_type": 1, "repeat": None, "channel": None,
        "is_own": False, "source": "test_data_noaa_20230101.csv",
    }  # fmt: skip
    # 636021061,2023-01-11T00:00:00,26.09241,-80.04806,8.8,272.7,270.0,MSC NAISHA III,IMO9307839,...
    assert (p[1]["mmsi"], p[1]["lat"], p[1]["lon"], p[1]["heading"], p[1]["nav_status"]) == (
        636021061, 26.09241, -80.04806, 270, 8,
    )  # fmt: skip
    assert p[1]["sog"] == pytest.approx(8.8, abs=1e-5)
    assert p[1]["cog"] == pytest.approx(272.7, abs=1e-4)
    assert p[2]["ts"] == dt.datetime(2023, 1, 11, 0, 0, 1, tzinfo=UTC)

    v = {row["mmsi"]: row for row in result.vessels.to_pylist()}
    naisha = v[636021061]
    assert (naisha["imo"], naisha["name"], naisha["callsign"], naisha["ship_type"]) == (
        9307839, "MSC NAISHA III", "5LCB4", 70,
    )  # fmt: skip
    assert naisha["draught"] == 8.0
    assert naisha["msg_type"] == 5
    assert naisha["ts_source"] == "wrapper"
    assert naisha["ts"] == dt.datetime(2023, 1, 11, tzinfo=UTC)
    # Length/Width are not antenna offsets: nothing is made up.
    assert [naisha[k] for k in ("to_bow", "to_stern", "to_port", "to_starboard")] == [None] * 4
    assert v[367752440]["imo"] is None  # empty IMO
    assert v[367752440]["draught"] is None
    # 338228393,...,511.0,GITANA,,,37,,,,,,B : class B, heading not available
    gitana = next(r for r in p if r["mmsi"] == 338228393)
    assert (gitana["msg_type"], gitana["heading"], gitana["nav_status"]) == (18, None, None)
    assert v[338228393]["msg_type"] == 24
    assert result.message_types == {1: 954, 18: 46}


def test_noaa_sample_every_row_against_csv_module() -> None:
    path = _noaa_sample()
    result, _ = _decode(path)
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    got = result.positions.to_pylist()
    assert len(got) == len(rows)
    for want, row in zip(rows, got, strict=True):
        assert row["mmsi"] == int(want["MMSI"])
        assert row["ts"] == dt.datetime.fromisoformat(want["BaseDateTime"]).replace(tzinfo=UTC)
        assert row["lat"] == float(want["LAT"])
        assert row["lon"] == float(want["LON"])
        heading = float(want["Heading"])
        assert row["heading"] == (None if heading >= 360 else round(heading))
        cog = float(want["COG"])
        assert (row["cog"] is None) == (cog >= 360 or cog < 0)
        sog = float(want["SOG"])
        assert (row["sog"] is None) == (sog >= 102.25 or sog < 0)
        assert row["msg_type"] == {"A": 1, "B": 18}[want["TransceiverClass"]]
    # One vessels row per MMSI with static data (the sample has 1000 distinct MMSIs).
    with_static = {
        int(r["MMSI"]) for r in rows
        if r["VesselName"] or r["IMO"] or r["CallSign"] or float(r["VesselType"] or 0) > 0
        or float(r["Draft"] or 0) > 0
    }  # fmt: skip
    assert sorted(result.vessels.column("mmsi").to_pylist()) == sorted(with_static)
    imos = {int(r["MMSI"]): int(r["IMO"][3:]) for r in rows if r["IMO"].startswith("IMO")}
    got_imo = dict(
        zip(result.vessels.column("mmsi").to_pylist(), result.vessels.column("imo").to_pylist(),
            strict=True)
    )  # fmt: skip
    for mmsi, imo in imos.items():
        assert got_imo[mmsi] == (imo or None)


def test_reader_hands_csv_archives_to_this_module() -> None:
    path = _noaa_sample()
    direct, _ = _decode(path)
    via_reader = DecodeResult.concat([r for r, _ in iter_decode_file(path)])
    assert via_reader.positions.equals(direct.positions)
    assert via_reader.counts == direct.counts


# --- Danish Maritime Authority ---------------------------------------------------------

DMA_ROWS = [
    # A class A ship with full static data; the same again 3 s later (static not repeated).
    "01/01/2023 00:00:00,Class A,219000873,56.990910,10.304543,Under way using engine,0.0,0.0,"
    "30.8,140,Unknown,OXUM2,ANE LAESOE,Passenger,,14,60,GPS,3.0,GRENAA,"
    "01/01/2023 06:30:00,AIS,40,20,7,7",
    "01/01/2023 00:00:03,Class A,219000873,56.991000,10.305000,Under way using engine,-2.5,0.1,"
    "31.0,141,Unknown,OXUM2,ANE LAESOE,Passenger,,14,60,GPS,3.0,GRENAA,"
    "01/01/2023 06:30:00,AIS,40,20,7,7",
    # Class B, "Unknown" everywhere.
    "01/01/2023 00:00:04,Class B,211000001,55.100000,11.200000,Unknown value,,5.2,180.0,,"
    "Unknown,Unknown,,Sailing,,3,12,Undefined,,Unknown,,AIS,,,,",
    # A base station: a fixed station, not a vessel.
    "01/01/2023 00:00:05,Base Station,2190068,55.676000,12.568000,Unknown value,,,,,Unknown,"
    "Unknown,,Undefined,,,,Surveyed,,Unknown,,AIS,,,,",
    # A tanker with hazardous cargo category X (ship type 81), a quoted name with a comma.
    "13/02/2023 23:59:59,Class A,538003876,57.100000,8.900000,Moored,,0.0,,511,9301122,V7AB3,"
    '"NORD, ""STAR""",Tanker,Category X,32,183,GPS,10.5,DKAAR,,AIS,150,33,16,16',
    # Its draught changes: a new vessels row.
    "14/02/2023 00:00:00,Class A,538003876,57.100000,8.900000,Moored,,0.0,,511,9301122,V7AB3,"
    "NORD STAR,Tanker,Category X,32,183,GPS,11.0,DKAAR,,AIS,150,33,16,16",
    # An aid to navigation: a station with a name.
    "14/02/2023 00:00:01,AtoN,992191234,55.500000,10.500000,Unknown value,,,,,Unknown,Unknown,"
    "DROGDEN LT,Undefined,,,,Surveyed,,Unknown,,AIS,,,,",
]


def test_dma_layout(tmp_path: Path) -> None:
    path = _write(tmp_path / "aisdk-2023-01-01.csv", DMA_HEADER, DMA_ROWS)
    assert is_decoded_csv(path)
    layout = parse_header(DMA_HEADER.encode())
    assert layout is not None
    assert layout.columns["mmsi"] == 2
    result, _ = _decode(path)
    _check_accounting(result, path)
    assert dict(result.counts) == {"comment": 1, "ais": 7}
    p = result.positions.to_pylist()
    assert [r["mmsi"] for r in p] == [219000873, 219000873, 211000001, 538003876, 538003876]
    assert p[0]["ts"] == dt.datetime(2023, 1, 1, tzinfo=UTC)
    assert p[3]["ts"] == dt.datetime(2023, 2, 13, 23, 59, 59, tzinfo=UTC)
    assert (p[0]["nav_status"], p[0]["heading"], p[0]["msg_type"], p[0]["lat"]) == (
        0, 140, 1, 56.99091,
    )  # fmt: skip
    assert (p[1]["turn"], p[1]["turn_raw"]) == (-2.5, None)
    assert (p[2]["msg_type"], p[2]["nav_status"], p[2]["heading"], p[2]["sog"]) == (
        18, None, None, pytest.approx(5.2),
    )  # fmt: skip
    assert (p[3]["nav_status"], p[3]["heading"], p[3]["cog"]) == (5, None, None)

    stations = result.stations.to_pylist()
    assert [(r["mmsi"], r["msg_type"], r["epfd"], r["name"]) for r in stations] == [
        (2190068, 4, 7, None), (992191234, 21, 7, "DROGDEN LT"),
    ]  # fmt: skip
    assert stations[1]["lat"] == 55.5
    assert result.message_types == {1: 4, 18: 1, 4: 1, 21: 1}

    v = result.vessels.to_pylist()
    assert [(r["mmsi"], r["msg_type"]) for r in v] == [
        (219000873, 5), (211000001, 24), (538003876, 5), (538003876, 5),
    ]  # fmt: skip
    ane = v[0]
    assert (ane["name"], ane["callsign"], ane["imo"], ane["ship_type"], ane["epfd"]) == (
        "ANE LAESOE", "OXUM2", None, 60, 1,
    )  # fmt: skip
    assert (ane["to_bow"], ane["to_stern"], ane["to_port"], ane["to_starboard"]) == (40, 20, 7, 7)
    assert (ane["destination"], ane["draught"]) == ("GRENAA", 3.0)
    assert ane["eta"] == dt.datetime(2023, 1, 1, 6, 30, tzinfo=UTC)
    assert (ane["eta_month"], ane["eta_day"], ane["eta_hour"], ane["eta_minute"]) == (1, 1, 6, 30)
    sail = v[1]
    assert (sail["callsign"], sail["imo"], sail["ship_type"], sail["destination"]) == (
        None, None, 36, None,
    )  # fmt: skip
    assert (sail["epfd"], sail["to_bow"]) == (None, None)
    tanker = v[2]
    assert (tanker["name"], tanker["imo"], tanker["ship_type"]) == ('NORD, "STAR"', 9301122, 81)
    assert (v[2]["draught"], v[3]["draught"]) == (10.5, 11.0)


def test_alias_table_names_each_column_once() -> None:
    names = [normalise(a) for aliases in COLUMN_ALIASES.values() for a in aliases]
    assert len(names) == len(set(names))
    noaa = parse_header(NOAA_HEADER.encode())
    assert noaa is not None
    assert "cargo_type" not in noaa.columns  # NOAA "Cargo" is not the DMA text column


# --- rejected rows, counting -----------------------------------------------------------


def test_bad_rows_are_rejected_with_line_numbers(tmp_path: Path) -> None:
    good = "367752440,2023-01-11T00:00:00,43.07917,-70.75733,0.0,360.0,95.0,SAN JOSE,,WDI9818,31,0.0,,,,52.0,A"
    rows = [
        good,  # 2
        "",  # 3 blank
        "abc,2023-01-11T00:00:00,43.0,-70.0,0.0,0.0,0.0,X,,,,,,,,,A",  # 4 bad MMSI
        "367752440,yesterday,43.0,-70.0,0.0,0.0,0.0,X,,,,,,,,,A",  # 5 bad time
        "367752440,2023-01-11T00:00:05,95.0,-70.0,0.0,0.0,0.0,X,,,,,,,,,A",  # 6 lat outside
        "367752440,2023-01-11T00:00:06,91.0,181.0,0.0,0.0,0.0,X,,,,,,,,,A",  # 7 n/a position
        "367752440,2023-01-11T00:00:07,43.0,-70.0,0.0,0.0",  # 8 too few fields
        "367752440,2023-01-11T00:00:08,north,-70.0,0.0,0.0,0.0,X,,,,,,,,,A",  # 9 bad latitude
        NOAA_HEADER,  # 10 header of a concatenated file
        "367752440,2023-01-11T00:00:09,43.0,-190.0,0.0,0.0,0.0,X,,,,,,,,,A",  # 11 lon outside
        "367752440,2023-01-11T00:00:10,43.0,-70.0,0.0,0.0,0.0,X,,,,,,,,,A,extra",  # 12 too many
        '367752440,2023-01-11T00:00:11,43.0,-70.0,0.0,0.0,0.0,"X"Y,,,,,,,,,A',  # 13 bad quoting
        "1234567890,2023-01-11T00:00:12,43.0,-70.0,0.0,0.0,0.0,X,,,,,,,,,A",  # 14 MMSI too long
        " 367752440 , 2023-01-11T00:00:13 ,43.5,-70.5,1.0,10.0,20.0, PADDED ,,,,,,,,,B",  # 15
    ]
    body = ("\n".join([NOAA_HEADER, *rows]) + "\n").encode()
    body += b"367752440,2023-01-11T00:00:14,43.0,-70.0,0.0,0.0,0.0,\xffBAD,,,,,,,,,A\r\n"  # 16
    body += good.encode() + b"\r\n"  # 17, CRLF
    body += b"   \n"  # 18 blank (spaces)
    body += good.encode()  # 19, no newline at the end
    path = tmp_path / "bad.csv"
    path.write_bytes(body)

    result, offsets = _decode(path)
    assert offsets == [len(body)]
    _check_accounting(result, path)
    rej = result.rejected.to_pylist()
    assert [(r["line"], r["reason"]) for r in rej] == [
        (4, BAD_ROW), (5, BAD_ROW), (6, "value_out_of_range"), (8, BAD_ROW), (9, BAD_ROW),
        (11, "value_out_of_range"), (12, BAD_ROW), (13, BAD_ROW), (14, BAD_ROW),
        (16, "binary_data"),
    ]  # fmt: skip
    lines = body.split(b"\n")
    for r in rej:
        assert r["raw"] == lines[r["line"] - 1].removesuffix(b"\r")
        assert r["file"] == str(path)
    assert result.counts == {
        "comment": 2, "blank": 2, "ais": 5, "rejected:bad_csv_row": 7,
        "rejected:value_out_of_range": 2, "rejected:binary_data": 1,
    }  # fmt: skip
    p = result.positions.to_pylist()
    assert len(p) == 5
    assert (p[1]["lat"], p[1]["lon"]) == (None, None)  # 91/181: not available
    assert (p[2]["mmsi"], p[2]["ts"], p[2]["lat"], p[2]["msg_type"]) == (
        367752440, dt.datetime(2023, 1, 11, 0, 0, 13, tzinfo=UTC), 43.5, 18,
    )  # fmt: skip
    names = [r["name"] for r in result.vessels.to_pylist()]
    assert "PADDED" in names


def test_header_only_and_empty_batches(tmp_path: Path) -> None:
    path = _write(tmp_path / "empty.csv", NOAA_HEADER, [])
    result, offsets = _decode(path)
    assert offsets == [path.stat().st_size]
    assert dict(result.counts) == {"comment": 1}
    assert result.positions.num_rows == 0
    _check_accounting(result, path)


def test_not_a_csv_archive_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "raw.nmea"
    path.write_bytes(b"!AIVDM,1,1,,A,13u?etPv2;0n:dDPwUM1U1Cb069D,0*23\n")
    assert not is_decoded_csv(path)
    with pytest.raises(InputError, match="not a decoded AIS CSV"):
        list(iter_decode_csv(path))


def test_other_separator_and_alias_spelling(tmp_path: Path) -> None:
    # Older NOAA years spell the class column "TranscieverClass"; some archives use ';'.
    path = _write(
        tmp_path / "semi.csv",
        "mmsi;lon;lat;date_time_utc;sog;cog;true_heading;TranscieverClass",
        ["257000000;5.25;60.5;2020-01-01 00:00:00;10.0;90.0;88;B"],
    )
    result, _ = _decode(path)
    p = result.positions.to_pylist()
    assert (p[0]["mmsi"], p[0]["lat"], p[0]["lon"], p[0]["heading"], p[0]["msg_type"]) == (
        257000000, 60.5, 5.25, 88, 18,
    )  # fmt: skip
    assert result.vessels.num_rows == 0  # no static fields


# --- vessels rows: only when static data changes ---------------------------------------


def test_static_rows_deduplicated_per_mmsi(tmp_path: Path) -> None:
    rows = [
        "111111111,2023-01-11T00:00:00,1.0,1.0,0.0,0.0,0.0,ALPHA,IMO1234567,AAA,70,0,,,5.0,,A",
        "222222222,2023-01-11T00:00:01,1.0,1.0,0.0,0.0,0.0,BRAVO,,,30,0,,,,,A",
        "111111111,2023-01-11T00:00:02,1.0,1.0,0.0,0.0,0.0,ALPHA,IMO1234567,AAA,70,0,,,5.0,,A",
        "111111111,2023-01-11T00:00:03,1.0,1.0,0.0,0.0,0.0,ALPHA,IMO1234567,AAA,70,0,,,6.0,,A",
        "111111111,2023-01-11T00:00:04,1.0,1.0,0.0,0.0,0.0,ALPHA,IMO1234567,AAA,70,0,,,6.0,,A",
        "222222222,2023-01-11T00:00:05,1.0,1.0,0.0,0.0,0.0,BRAVO,,,30,0,,,,,A",
        "333333333,2023-01-11T00:00:06,1.0,1.0,0.0,0.0,0.0,,,,,0,,,,,A",
    ]
    result, _ = _decode(_write(tmp_path / "dedup.csv", NOAA_HEADER, rows))
    assert result.positions.num_rows == 7
    v = result.vessels.to_pylist()
    assert [(r["mmsi"], r["draught"]) for r in v] == [
        (111111111, 5.0), (222222222, None), (111111111, 6.0),
    ]  # fmt: skip
    assert v[0]["imo"] == 1234567


# --- gzip, batches and resuming --------------------------------------------------------


def _many_rows(n: int) -> list[str]:
    return [
        f"{200000000 + k},2023-01-11T00:{k // 60 % 60:02d}:{k % 60:02d},{10 + k / 1000:.5f},"
        f"{20 + k / 1000:.5f},1.0,2.0,3.0,SHIP {k % 7},,,70,0,,,,,{'AB'[k % 2]}"
        for k in range(n)
    ]


def test_gzipped_csv(tmp_path: Path) -> None:
    rows = _many_rows(50)
    rows[10] = "not,a,row"
    plain = _write(tmp_path / "x.csv", NOAA_HEADER, rows)
    gz = tmp_path / "x.csv.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    assert is_decoded_csv(gz)
    a, _ = _decode(plain)
    b, offsets = _decode(gz)
    _check_accounting(b, gz)
    assert offsets == [plain.stat().st_size]  # offsets count uncompressed bytes
    assert b.positions.equals(a.positions.set_column(
        a.positions.schema.get_field_index("source"), "source",
        b.positions.column("source"),
    ))  # fmt: skip
    assert b.positions.num_rows == 49
    assert b.rejected.column("line").to_pylist() == [12]
    assert b.positions.column("source").to_pylist()[0] == "x.csv.gz"


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz"])
def test_batches_and_resume_from_a_yielded_offset(tmp_path: Path, suffix: str) -> None:
    rows = _many_rows(100)
    rows[70] = "bad row"  # line 72
    path = _write(tmp_path / "r.csv", NOAA_HEADER, rows)
    if suffix == ".csv.gz":
        gz = tmp_path / "r.csv.gz"
        gz.write_bytes(gzip.compress(path.read_bytes()))
        size = path.stat().st_size
        path = gz
    else:
        size = path.stat().st_size
    pairs = list(iter_decode_csv(path, batch_lines=30))
    assert [r.lines for r, _ in pairs] == [30, 30, 30, 11]
    offsets = [o for _, o in pairs]
    assert offsets[-1] == size
    begins = [0, *offsets[:-1]]
    assert [r.bytes for r, _ in pairs] == [o - b for b, o in zip(begins, offsets, strict=True)]
    whole = DecodeResult.concat([r for r, _ in pairs])
    _check_accounting(whole, path)
    assert whole.positions.num_rows == 99

    # Resume after the second batch: only the remaining rows, line numbers still true.
    rest = DecodeResult.concat([r for r, _ in iter_decode_csv(path, start_offset=offsets[1])])
    assert rest.lines == 41
    assert "comment" not in rest.counts
    n_first = sum(r.positions.num_rows for r, _ in pairs[:2])
    assert rest.positions.equals(whole.positions.slice(n_first))
    assert rest.rejected.column("line").to_pylist() == [72]
    # Resuming at the end yields nothing new.
    ((end, at),) = list(iter_decode_csv(path, start_offset=offsets[-1]))
    assert (end.lines, at) == (0, size)


def test_resume_inside_the_header_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "h.csv", NOAA_HEADER, _many_rows(3))
    with pytest.raises(InputError, match="inside the header"):
        list(iter_decode_csv(path, start_offset=5))


def test_times_are_utc_and_positions_float64(tmp_path: Path) -> None:
    result, _ = _decode(_write(tmp_path / "t.csv", NOAA_HEADER, _many_rows(2)))
    ts = result.positions.column("ts")
    assert ts.type == pa.timestamp("ms", tz="UTC")
    assert not math.isnan(result.positions.column("lat")[0].as_py())


def test_rows_split_one_by_one_when_the_csv_reader_disagrees(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path / "d.csv", DMA_HEADER, DMA_ROWS)
    fast, _ = _decode(path)
    monkeypatch.setattr(csv_archive, "_read_lines", lambda *a, **k: None)
    slow, _ = _decode(path)
    for name in DecodeResult.TABLES:
        assert getattr(slow, name).to_pylist() == getattr(fast, name).to_pylist(), name
    assert slow.counts == fast.counts


def test_quoting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    head = "367752440,2023-01-11T00:00:00,43.0,-70.0,0.0,0.0,0.0,"
    tail = ",,WDI9818,31,0.0,,,,52.0,A"
    rows = [
        head + '"SEA, STAR"' + tail,  # 2: separator inside quotes
        head + '"SAY ""HI"""' + tail,  # 3: escaped quotes
        head + '""' + tail,  # 4: empty quoted field
        '"367752441","2023-01-11T00:00:01","43.5","-70.5",0,0,0,"ALL QUOTED"' + tail,  # 5
        head + 'O"BRIEN' + tail,  # 6: a quote inside an unquoted field is kept
        head + '"X"Y' + tail,  # 7: text after a closing quote
        head + '"BROKEN' + tail,  # 8: quote never closed
        head + '"LINE',  # 9: a quoted field with a line break in it ...
        'BREAK"' + tail,  # 10 ... cannot be read as one row
        head + '"A,B,C"' + tail + ",extra",  # 11: one field too many
    ]
    path = _write(tmp_path / "q.csv", NOAA_HEADER, rows)

    expected_rejected = [7, 8, 9, 10, 11]
    for slow in (False, True):
        if slow:
            monkeypatch.setattr(csv_archive, "_read_lines", lambda *a, **k: None)
        result, _ = _decode(path)
        _check_accounting(result, path)
        assert result.positions.num_rows == 5
        assert result.positions.column("lat").to_pylist()[3] == 43.5
        assert result.rejected.column("line").to_pylist() == expected_rejected
        assert set(result.rejected.column("reason").to_pylist()) == {BAD_ROW}
        v = result.vessels.to_pylist()
        assert [r["name"] for r in v] == ["SEA, STAR", 'SAY "HI"', None, "ALL QUOTED", 'O"BRIEN']
