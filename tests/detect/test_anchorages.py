"""Anchorages found in the data, and the cells near them that detectors leave out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from watchkeeper.detect.context import Context
from watchkeeper.detect.shore import anchorage_cells
from watchkeeper.detect.tracks import vessel_tracks
from watchkeeper.testing import make_positions

T0 = datetime(2026, 7, 15, 1, 0, tzinfo=UTC)


def test_cells_are_left_out_within_the_distance_of_an_anchorage_on_every_side() -> None:
    # Three ships at anchor in the middle of the 0.05-degree cell 33.45-33.50 N, 11.10-11.15 E.
    anchored = [
        {"mmsi": 247000001 + k, "ts": T0 + timedelta(minutes=i), "lat": 33.475, "lon": 11.125}
        | {"sog": 0.1, "nav_status": 1}
        for k in range(3)
        for i in range(10)
    ]
    cells = anchorage_cells(vessel_tracks(make_positions(anchored)), Context(), 2_000.0)
    near = set(zip(cells["_cy"].to_list(), cells["_cx"].to_list(), strict=True))

    def cell(lat: float, lon: float) -> tuple[int, int]:
        return int(lat // 0.01), int(lon // 0.01)

    assert cell(33.475, 11.125) in near
    assert cell(33.44, 11.125) in near
    assert cell(33.51, 11.125) in near
    assert cell(33.475, 11.085) in near
    assert cell(33.475, 11.165) in near
    # 5 km south or west of the cell's edge is not near it (it once was, on those sides).
    assert cell(33.40, 11.125) not in near
    assert cell(33.475, 11.04) not in near
