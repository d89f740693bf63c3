"""What kind of vessel a report is from, in the few classes a watch officer tells apart.

ITU-R M.1371 (Table 53) codes the "type of ship and cargo" in two digits: the first
gives the family (6x passenger, 7x cargo, 8x tanker), some second-digit codes of the
3x and 5x families stand alone (30 fishing, 36 sailing, 37 pleasure craft, 51 search
and rescue). The picture draws one icon per class; an unknown or unlisted type is
`other`. AIS-SART, MOB and EPIRB-AIS beacons (MMSI 970, 972, 974: ITU-R M.585) are
`sar` too: they mark people to rescue, whatever the ship type field says.
"""

from __future__ import annotations

from typing import Final, Literal

import polars as pl

__all__ = ["SHIP_CLASSES", "ShipClass", "ship_class"]

ShipClass = Literal["cargo", "tanker", "passenger", "fishing", "pleasure", "sar", "other"]
SHIP_CLASSES: Final[tuple[ShipClass, ...]] = (
    "cargo",
    "tanker",
    "passenger",
    "fishing",
    "pleasure",
    "sar",
    "other",
)
_BEACON_SERIES: Final = (970, 972, 974)


def ship_class(ship_type: pl.Expr, mmsi: pl.Expr) -> pl.Expr:
    """The class of each row, from its ITU ship type code and MMSI (a String expression)."""
    beacon = (mmsi // 1_000_000).is_in(_BEACON_SERIES)
    return (
        pl.when(beacon | (ship_type == 51))
        .then(pl.lit("sar"))
        .when(ship_type.is_between(70, 79))
        .then(pl.lit("cargo"))
        .when(ship_type.is_between(80, 89))
        .then(pl.lit("tanker"))
        .when(ship_type.is_between(60, 69))
        .then(pl.lit("passenger"))
        .when(ship_type == 30)
        .then(pl.lit("fishing"))
        .when(ship_type.is_in((36, 37)))
        .then(pl.lit("pleasure"))
        .otherwise(pl.lit("other"))
    )
