"""The live picture's rows and its diffs: only what a map would draw differently is sent."""

from __future__ import annotations

from datetime import timedelta

from watchkeeper.testing import make_positions, make_vessels, utc
from watchkeeper.tracks.latest import LatestState
from watchkeeper.tracks.picture import PICTURE, picture_feed

T0 = "2026-07-15T12:00:00Z"
NOW = utc("2026-07-15T12:01:00Z")
STALE = timedelta(minutes=10)


def _fix(mmsi: int, lat: float, lon: float, ts: str = T0, **more: object) -> dict[str, object]:
    return {"mmsi": mmsi, "ts": ts, "lat": lat, "lon": lon, **more}


def _state() -> LatestState:
    state = LatestState()
    state.update(
        make_positions(
            [
                _fix(247000001, 36.8, 11.1, sog=12.0, cog=90.4),
                _fix(247000002, 37.0, 12.0, sog=0.1, cog=200.0, heading=45),
                _fix(970012345, 35.5, 12.5, ts="2026-07-15T11:40:00Z"),
            ]
        ),
        vessels=make_vessels([{"mmsi": 247000001, "ts": T0, "name": "AMIRA", "ship_type": 70}]),
    )
    return state


def test_snapshot_rows_are_what_the_map_draws() -> None:
    rows = picture_feed(_state(), stale_after=STALE).snapshot(NOW).sort("mmsi")
    assert tuple(rows.columns) == PICTURE
    first, still, beacon = rows.to_dicts()
    assert first == {
        "mmsi": 247000001,
        "lon": 11.1,
        "lat": 36.8,
        "course": 90,
        "sog": 12.0,
        "ts": int(utc(T0).timestamp() * 1000),
        "name": "AMIRA",
        "class": "cargo",
        "stale": False,
    }
    assert still["course"] is None  # 0.1 kn: drawn still, whatever its course
    assert (beacon["class"], beacon["stale"]) == ("sar", True)  # 21 min unheard
    assert beacon["course"] is None or beacon["sog"] is None


def test_poll_sends_only_moved_new_and_faded_vessels() -> None:
    state = _state()
    feed = picture_feed(state, stale_after=STALE)
    feed.snapshot(NOW)
    assert not feed.poll(NOW)  # nothing changed, nothing sent
    state.update(
        make_positions(
            [
                _fix(247000001, 36.81, 11.1, ts="2026-07-15T12:00:10Z", sog=12.0, cog=90.4),
                _fix(247000003, 36.0, 13.0, ts="2026-07-15T12:00:10Z"),
            ]
        )
    )
    changes = feed.poll(NOW)
    assert sorted(changes.upsert.get_column("mmsi").to_list()) == [247000001, 247000003]
    assert changes.remove == []
    assert not feed.poll(NOW)
    # Past ten minutes unheard, 247000002 fades (sent once, as stale); 247000003 not yet.
    later = feed.poll(utc("2026-07-15T12:10:05Z"))
    assert later.upsert.select("mmsi", "stale").sort("mmsi").rows() == [
        (247000002, True),
    ]
    assert not feed.poll(utc("2026-07-15T12:10:06Z"))


def test_first_poll_without_snapshot_is_the_snapshot() -> None:
    changes = picture_feed(_state(), stale_after=STALE).poll(NOW)
    assert changes.upsert.height == 3
