"""Streaming detection: micro-batches give the events a batch run gives, updated in place."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
import shapely
from typer.testing import CliRunner

from watchkeeper.cli.main import app
from watchkeeper.detect.engine import detect
from watchkeeper.detect.events import EVENT_COLUMNS
from watchkeeper.detect.inputs import from_logs
from watchkeeper.detect.stream import Changes, StreamingDetector
from watchkeeper.geo.landmask import land_mask
from watchkeeper.geo.zones import Zone, ZoneSet, read_zones
from watchkeeper.sensors.contacts import read_contacts
from watchkeeper.settings import load_settings
from watchkeeper.testing import make_positions

COMPARED = [c for c in EVENT_COLUMNS if c != "evidence"]
T0 = datetime(2026, 7, 15, 1, 0, tzinfo=UTC)
KN_DEG_PER_S = 1852 / 3600 / 111_320


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Five hours of the central-med scenario: positions, static reports, contacts, zones."""
    out = tmp_path_factory.mktemp("stream")
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            "--scenario",
            "central-med",
            "--start",
            "2026-07-15T00:00:00Z",
            "--hours",
            "5",
            "--vessels",
            "120",
            "--seed",
            "5",
            "-o",
            str(out / "t.nmea"),
            "--contacts",
            str(out / "c.csv"),
            "--zones",
            str(out / "z.geojson"),
        ],
    )
    assert result.exit_code == 0, result.output
    seen = from_logs([out / "t.nmea"])
    return {
        "positions": seen.positions,
        "vessels": seen.vessels,
        "contacts": pl.from_arrow(read_contacts(out / "c.csv").contacts),
        "zones": ZoneSet(read_zones(out / "z.geojson")),
        "land": land_mask(load_settings().geo_dir),
    }


def apply(changes: Changes, state: dict[str, dict[str, object]]) -> None:
    for row in changes.retracted.iter_rows(named=True):
        assert row["event_id"] in state, "only a known event can be retracted"
        del state[row["event_id"]]
    for row in changes.updated.iter_rows(named=True):
        assert row["event_id"] in state, "only a known event can be updated"
        state[row["event_id"]] = row
    for row in changes.new.iter_rows(named=True):
        assert row["event_id"] not in state, "a new event must not repeat a known one"
        state[row["event_id"]] = row


def by_ts(frame: pl.DataFrame, start: object, end: object) -> pl.DataFrame:
    return frame.filter((pl.col("ts") >= start) & (pl.col("ts") < end))


def test_micro_batches_end_with_the_events_of_one_batch_run(run: dict) -> None:
    positions: pl.DataFrame = run["positions"]
    batch = detect(
        positions,
        land=run["land"],
        vessels=run["vessels"],
        zones=run["zones"],
        contacts=run["contacts"],
    )
    assert batch.height >= 5, "the scenario should raise events of several kinds"

    streaming = StreamingDetector(land=run["land"], zones=run["zones"])
    state: dict[str, dict[str, object]] = {}
    counts = {"new": 0, "updated": 0, "retracted": 0}
    t = positions["ts"].min()
    end = positions["ts"].max() + timedelta(seconds=1)
    while t < end:
        t1 = t + timedelta(minutes=20)
        streaming.add(
            by_ts(positions, t, t1),
            vessels=by_ts(run["vessels"], t, t1),
            contacts=by_ts(run["contacts"], t, t1),
        )
        changes = streaming.run()
        apply(changes, state)
        for kind in counts:
            counts[kind] += getattr(changes, kind).height
        t = t1

    streamed = pl.DataFrame(list(state.values()), schema=batch.schema)
    key = ["event_id"]
    assert (
        streamed.select(COMPARED).sort(key).to_dicts()
        == batch.select(COMPARED).sort(key).to_dicts()
    )
    # Ongoing events were updated in place as the data came, not raised again.
    assert counts["updated"] > 0
    assert counts["new"] == batch.height + counts["retracted"]


def sailing(
    mmsi: int, lat: float, minutes: tuple[float, float], every_s: float, knots: float = 4.0
) -> list[dict]:
    """Reports of a vessel heading east along `lat` from 12.0 E at T0."""
    first, last = minutes
    return [
        {
            "mmsi": mmsi,
            "ts": T0 + timedelta(seconds=s),
            "lat": lat,
            "lon": 12.0 + s * knots * KN_DEG_PER_S / 0.82,  # cos(35 N)
            "sog": knots,
            "cog": 90.0,
            "nav_status": 0,
        }
        for s in range(int(first * 60), int(last * 60), int(every_s))
    ]


def test_a_gap_that_later_data_disproves_is_retracted_not_deleted() -> None:
    # A falls silent after 40 minutes while B, a kilometre off, is heard all along:
    # A went dark in coverage, an open gap.
    heard = sailing(247000001, 35.05, (0, 40), 10)
    other = sailing(247000002, 35.06, (0, 100), 10)
    detector = StreamingDetector()
    detector.add(make_positions(heard + other))
    first = detector.run()
    assert first.new.filter(pl.col("type") == "ais_gap")["mmsi"].to_list() == [[247000001]]
    assert first.new.filter(pl.col("type") == "ais_gap")["end"].to_list() == [None]
    # A comes back heard once in ten minutes: it was fading at the edge of reception,
    # not switched off; the gap was never one, and a batch run agrees.
    fading = sailing(247000001, 35.05, (100, 160), 600)
    more = sailing(247000002, 35.06, (100, 160), 10)
    detector.add(make_positions(fading + more))
    second = detector.run()
    assert (
        second.retracted["event_id"].to_list()
        == first.new.filter(pl.col("type") == "ais_gap")["event_id"].to_list()
    )
    everything = detect(make_positions(heard + other + fading + more))
    assert everything.filter(pl.col("type") == "ais_gap").is_empty()


def test_an_event_whose_start_leaves_the_window_is_kept_as_last_seen() -> None:
    area = ZoneSet(
        [Zone("area_of_interest", "Box", "t", "t", shapely.box(12.05, 34.9, 12.3, 35.1))]
    )
    detector = StreamingDetector(zones=area, horizon=timedelta(hours=1))
    detector.add(make_positions(sailing(247000003, 35.0, (0, 60), 30)))
    first = detector.run()
    assert first.new["type"].to_list() == ["zone_entry"]
    detector.add(make_positions(sailing(247000004, 34.0, (150, 160), 30)))
    second = detector.run()
    assert not second  # nothing new, nothing moved, nothing retracted


def test_archive_rows_and_live_batches_mix_in_one_window() -> None:
    """A restarted node primes the window from the archive (the columns detectors read)
    and then adds live batches (every decoded column): both must feed one run."""
    from watchkeeper.detect.inputs import POSITION_COLUMNS

    detector = StreamingDetector()
    archived = pl.from_arrow(make_positions(sailing(247000005, 35.05, (0, 30), 10)))
    assert isinstance(archived, pl.DataFrame)
    detector.add(archived.select(POSITION_COLUMNS))
    detector.add(make_positions(sailing(247000005, 35.05, (30, 60), 10)))
    detector.run()
    assert detector.events.is_empty()  # nothing to find; the point is that it ran
