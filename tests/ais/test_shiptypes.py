"""Ship classes from ITU ship type codes, and distress beacons whatever their type."""

from __future__ import annotations

import polars as pl

from watchkeeper.ais.shiptypes import SHIP_CLASSES, ship_class


def _classes(rows: list[tuple[int, int | None]]) -> list[str]:
    frame = pl.DataFrame(rows, schema={"mmsi": pl.Int64, "ship_type": pl.Int16}, orient="row")
    return frame.select(ship_class(pl.col("ship_type"), pl.col("mmsi"))).to_series().to_list()


def test_families_and_single_codes() -> None:
    rows = [
        (247000001, 70),
        (247000002, 79),
        (247000003, 84),
        (247000004, 60),
        (247000005, 30),
        (247000006, 36),
        (247000007, 37),
        (247000008, 51),
        (247000009, 52),
        (247000010, None),
        (247000011, 99),
    ]
    assert _classes(rows) == [
        "cargo",
        "cargo",
        "tanker",
        "passenger",
        "fishing",
        "pleasure",
        "pleasure",
        "sar",
        "other",
        "other",
        "other",
    ]


def test_distress_beacons_are_sar_whatever_their_type() -> None:
    assert _classes([(970012345, None), (972000001, 70), (974123456, 0)]) == ["sar"] * 3


def test_every_class_is_listed() -> None:
    assert set(_classes([(247000001, t) for t in range(100)])) <= set(SHIP_CLASSES)
