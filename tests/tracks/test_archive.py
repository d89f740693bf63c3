"""The position archive: idempotent crash-safe appends, day partitions, queries, live state."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from watchkeeper.schema import POSITIONS, REJECTED
from watchkeeper.testing import make_positions, make_vessels, utc
from watchkeeper.tracks import LATEST, Archive, LatestState
from watchkeeper.tracks.manifest import FileEntry, Manifest

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "archive"


@pytest.fixture
def archive(root: Path) -> Iterator[Archive]:
    with Archive(root) as archive:
        yield archive


def fix(
    mmsi: int, ts: str | None, lat: float | None = 36.8, lon: float = 10.2, **more: Any
) -> dict[str, Any]:
    return {"mmsi": mmsi, "ts": ts, "lat": lat, "lon": lon, **more}


def parts(root: Path, table: str = "positions") -> list[str]:
    """Every file under a table, relative to the archive root, temp files included."""
    return sorted(p.relative_to(root).as_posix() for p in (root / table).rglob("*") if p.is_file())


def sort_rows(table: pa.Table) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = table.sort_by(
        [("mmsi", "ascending"), ("ts", "ascending")]
    ).to_pylist()
    return rows


# -- appends ----------------------------------------------------------------------


def test_appended_positions_come_back_in_time_order(archive: Archive) -> None:
    rows = [
        fix(1, "2024-05-01T12:00:10Z", sog=5.5, heading=90, source="rx1"),
        fix(1, "2024-05-01T12:00:00Z", lat=36.7),
        fix(2, "2024-05-01T12:00:05Z"),
    ]
    assert archive.append({"positions": make_positions(rows)}, batch_id="b1") is True

    track = archive.track(1)
    assert track.schema == POSITIONS
    assert [r["ts"] for r in track.to_pylist()] == [
        utc("2024-05-01T12:00:00Z"),
        utc("2024-05-01T12:00:10Z"),
    ]
    last = track.to_pylist()[1]
    assert (last["lat"], last["sog"], last["heading"], last["source"]) == (36.8, 5.5, 90, "rx1")
    assert archive.count("positions") == 3
    assert archive.count("vessels") == 0


def test_same_batch_id_twice_adds_nothing(archive: Archive, root: Path) -> None:
    batch = {"positions": make_positions([fix(1, "2024-05-01T12:00:00Z")])}
    assert archive.append(batch, batch_id="chunk-0-100") is True
    files = parts(root)
    assert archive.append(batch, batch_id="chunk-0-100") is False
    assert archive.count("positions") == 1
    assert parts(root) == files
    with Archive(root) as reopened:  # the record survives a restart
        assert reopened.append(batch, batch_id="chunk-0-100") is False
        assert reopened.count("positions") == 1


def test_batch_ids_that_are_not_file_names_get_distinct_safe_files(
    archive: Archive, root: Path
) -> None:
    batch = {"positions": make_positions([fix(1, "2024-05-01T12:00:00Z")])}
    for batch_id in ("file:ab:0-10", "file_ab_0-10", "a/../../b", "file:ab:0-10 "):
        assert archive.append(batch, batch_id=batch_id) is True
    files = parts(root)
    assert len(files) == 4
    assert all(f.startswith("positions/day=2024-05-01/part-") for f in files)
    assert "positions/day=2024-05-01/part-file_ab_0-10.parquet" in files  # plain ids kept as is
    assert archive.count("positions") == 4


def test_unknown_table_or_columns_are_refused_before_anything_is_written(
    archive: Archive, root: Path
) -> None:
    positions = make_positions([fix(1, "2024-05-01T12:00:00Z")])
    with pytest.raises(ValueError, match="unknown tables"):
        archive.append({"position": positions}, batch_id="b")
    with pytest.raises(ValueError, match=r"missing \['turn'\]"):
        archive.append({"positions": positions.drop_columns(["turn"])}, batch_id="b")
    extra = positions.append_column("speed_kn", pa.array([1.0]))
    with pytest.raises(ValueError, match=r"unexpected \['speed_kn'\]"):
        archive.append({"positions": extra}, batch_id="b")
    with pytest.raises(ValueError, match="batch_id"):
        archive.append({"positions": positions}, batch_id="")
    assert not (root / "positions").exists()
    assert archive.has_batch("b") is False


def test_tables_are_cast_to_their_schema(archive: Archive) -> None:
    positions = make_positions([fix(1, "2024-05-01T12:00:00Z")])
    loose = positions.set_column(0, "mmsi", pa.array([1], pa.int64()))  # e.g. built by hand
    assert archive.append({"positions": loose}, batch_id="b")
    assert archive.track(1).schema == POSITIONS


def test_concurrent_appends_from_threads_all_land(archive: Archive) -> None:
    def worker(n: int) -> None:
        for i in range(5):
            rows = [fix(n, f"2024-05-01T12:00:0{i}Z")]
            archive.append({"positions": make_positions(rows)}, batch_id=f"t{n}-{i}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert archive.count("positions") == 20
    assert [archive.track(n).num_rows for n in range(4)] == [5, 5, 5, 5]


# -- partitions ---------------------------------------------------------------------


def test_rows_go_to_the_partition_of_their_utc_day(archive: Archive, root: Path) -> None:
    rows = [
        fix(1, "2024-05-01T23:59:59.999Z"),
        fix(1, "2024-05-02T00:00:00Z"),
        fix(2, "2024-05-02T01:30:00+02:00"),  # 2024-05-01T23:30Z: still the 1st in UTC
    ]
    archive.append({"positions": make_positions(rows)}, batch_id="b1")
    assert archive.partitions("positions") == {"2024-05-01": 1, "2024-05-02": 1}
    first = pq.ParquetFile(root / "positions/day=2024-05-01/part-b1.parquet").read()
    second = pq.ParquetFile(root / "positions/day=2024-05-02/part-b1.parquet").read()
    assert sorted(first.column("mmsi").to_pylist()) == [1, 2]
    assert second.column("ts").to_pylist() == [utc("2024-05-02T00:00:00Z")]
    assert first.schema == POSITIONS  # the Arrow schema (dictionaries, ms, UTC) round-trips


def test_rows_without_time_go_to_day_unknown(archive: Archive, root: Path) -> None:
    rows = [fix(1, None, lat=1.0), fix(1, "2024-05-01T12:00:00Z", lat=2.0)]
    archive.append({"positions": make_positions(rows)}, batch_id="b1")
    assert (root / "positions/day=unknown/part-b1.parquet").is_file()
    assert [r["lat"] for r in archive.track(1).to_pylist()] == [2.0, 1.0]  # null ts last
    bounded = archive.track(1, start=utc("2000-01-01T00:00:00Z"))
    assert [r["lat"] for r in bounded.to_pylist()] == [2.0]  # in no time range


def test_times_outside_years_1_to_9999_go_to_day_unknown_instead_of_failing(
    archive: Archive, root: Path
) -> None:
    positions = make_positions([fix(1, "2024-05-01T12:00:00Z"), fix(1, None)])
    garbled = pa.array([400_000_000_000_000, None], POSITIONS.field("ts").type)  # year ~14645
    assert archive.append({"positions": positions.set_column(1, "ts", garbled)}, batch_id="b")
    assert archive.partitions("positions") == {"unknown": 1}
    assert archive.count("positions") == 2


def test_rejected_lines_go_to_the_day_they_were_ingested(archive: Archive, root: Path) -> None:
    rejected = pa.Table.from_pylist(
        [{"file": "a.nmea", "line": 7, "raw": b"\xff!AIVDM", "reason": "bad_checksum"}],
        schema=REJECTED,
    )
    before = datetime.now(UTC).date().isoformat()
    archive.append({"rejected": rejected}, batch_id="b1")
    after = datetime.now(UTC).date().isoformat()
    [day] = archive.partitions("rejected")
    assert day in {before, after}
    stored = pq.ParquetFile(root / f"rejected/day={day}/part-b1.parquet").read()
    assert stored.to_pylist() == rejected.to_pylist()  # raw bytes kept exactly


def test_track_reads_only_the_days_in_range(archive: Archive, root: Path) -> None:
    for day in ("01", "02", "03"):
        rows = [fix(1, f"2024-05-{day}T00:00:00Z"), fix(1, f"2024-05-{day}T12:00:00Z")]
        archive.append({"positions": make_positions(rows)}, batch_id=f"d{day}")
    # Corrupt days 1 and 3: a query that opened them would fail.
    for day in ("01", "03"):
        (root / f"positions/day=2024-05-{day}/part-d{day}.parquet").write_bytes(b"garbage")

    track = archive.track(1, start=utc("2024-05-02T00:00:00Z"), end=utc("2024-05-03T00:00:00Z"))
    assert track.column("ts").to_pylist() == [
        utc("2024-05-02T00:00:00Z"),
        utc("2024-05-02T12:00:00Z"),
    ]  # end is exclusive: 2024-05-03T00:00Z is not in, and day 3 was not read
    assert archive.files("positions", start=utc("2024-05-02T06:00:00+02:00")) == [
        root / "positions/day=2024-05-02/part-d02.parquet",
        root / "positions/day=2024-05-03/part-d03.parquet",
    ]
    with pytest.raises(duckdb.Error):
        archive.track(1)  # unbounded reads every day, the corrupt ones included


def test_track_refuses_naive_or_reversed_ranges(archive: Archive) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        archive.track(1, start=datetime(2024, 5, 1))  # noqa: DTZ001
    with pytest.raises(ValueError, match="after end"):
        archive.track(1, start=utc("2024-05-02T00:00:00Z"), end=utc("2024-05-01T00:00:00Z"))


# -- crashes ------------------------------------------------------------------------


def test_files_of_an_uncommitted_batch_are_invisible_and_swept_at_open(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = {"positions": make_positions([fix(1, "2024-05-01T12:00:00Z")])}

    def killed(*args: object, **kwargs: object) -> bool:
        raise KeyboardInterrupt  # stands for the process dying before the commit

    with Archive(root) as archive:
        monkeypatch.setattr(Manifest, "commit_batch", killed)
        monkeypatch.setattr(Archive, "_discard", lambda *a: None)  # a killed process cleans nothing
        with pytest.raises(KeyboardInterrupt):
            archive.append(batch, batch_id="b1", progress=("feed", 100))
        monkeypatch.undo()
        assert parts(root) == ["positions/day=2024-05-01/part-b1.parquet"]  # on disk...
        assert archive.count("positions") == 0  # ...but not in the archive
        assert archive.track(1).num_rows == 0
        assert archive.latest_vessels().num_rows == 0
        assert archive.progress("feed") == 0
    stray = root / ("positions/day=2024-05-01/.part-b2.parquet.tmp-" + "0" * 32)
    stray.write_bytes(b"half a file")
    unrelated = root / "positions/day=2024-05-01/README"
    unrelated.write_text("not ours")

    with Archive(root) as reopened:
        assert sorted(reopened.removed_orphans) == [
            "positions/day=2024-05-01/.part-b2.parquet.tmp-" + "0" * 32,
            "positions/day=2024-05-01/part-b1.parquet",
        ]
        assert parts(root) == ["positions/day=2024-05-01/README"]  # only what we own is swept
        assert reopened.append(batch, batch_id="b1", progress=("feed", 100)) is True
        assert reopened.count("positions") == 1
        assert reopened.progress("feed") == 100


def test_a_second_open_does_not_sweep_committed_files(root: Path) -> None:
    with Archive(root) as first:
        first.append({"positions": make_positions([fix(1, "2024-05-01T12:00:00Z")])}, batch_id="a")
        with Archive(root) as second:
            assert second.removed_orphans == ()
            assert second.count("positions") == 1
            second.append(
                {"positions": make_positions([fix(1, "2024-05-01T13:00:00Z")])}, batch_id="b"
            )
        assert first.count("positions") == 2  # one manifest, shared
        assert first.track(1).num_rows == 2


_WRITER = textwrap.dedent(
    """
    import sys
    from watchkeeper.testing import make_positions
    from watchkeeper.tracks import Archive

    archive = Archive(sys.argv[1])
    for i in range(100_000):
        rows = [
            {"mmsi": m, "ts": f"2024-05-{1 + i % 3:02d}T12:00:00Z", "lat": 1.0, "lon": 2.0}
            for m in range(50)
        ]
        archive.append({"positions": make_positions(rows)}, batch_id=f"b{i}", progress=("feed", i + 1))
        print(i, flush=True)  # acknowledged: append returned
    """
)


@pytest.mark.slow
def test_sigkill_mid_append_loses_no_acknowledged_batch_and_duplicates_none(root: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(root)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert child.stdout is not None
    acked = [int(child.stdout.readline()) for _ in range(30)]
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    child.stdout.close()

    with Archive(root) as archive:
        committed = archive.progress("feed")
        assert committed >= acked[-1] + 1  # every acknowledged batch is in
        assert all(archive.has_batch(f"b{i}") for i in range(committed))
        assert not archive.has_batch(f"b{committed}")  # progress and batch commit together
        assert archive.count("positions") == 50 * committed  # and nothing twice
        assert archive.track(7).num_rows == committed
        assert not [p for p in parts(root) if "/.part-" in p]  # no temp file left visible


def test_progress_starts_at_zero_and_moves_with_commits(archive: Archive) -> None:
    batch = {"positions": make_positions([fix(1, "2024-05-01T12:00:00Z")])}
    assert archive.progress("file:x") == 0
    archive.append(batch, batch_id="x:0-100", progress=("file:x", 100))
    assert archive.progress("file:x") == 100
    assert archive.progress("file:y") == 0
    # A batch already in still records the progress it vouches for (e.g. the same
    # content ingested under another key) and adds no rows.
    assert archive.append(batch, batch_id="x:0-100", progress=("file:y", 100)) is False
    assert archive.progress("file:y") == 100
    assert archive.count("positions") == 1
    with pytest.raises(ValueError, match="offset"):
        archive.append(batch, batch_id="x:100-200", progress=("file:x", -1))


# -- compaction -----------------------------------------------------------------------


def test_compact_merges_a_days_files_and_keeps_rows_identical(archive: Archive, root: Path) -> None:
    for i in range(5):
        rows = [fix(m, f"2024-05-01T12:00:{i:02d}Z", sog=float(i), source=f"rx{m}") for m in (3, 1)]
        archive.append({"positions": make_positions(rows)}, batch_id=f"live-{i}")
    archive.append({"positions": make_positions([fix(1, "2024-05-02T00:00:00Z")])}, batch_id="x")
    before = sort_rows(archive.track(1)) + sort_rows(archive.track(3))

    assert archive.compact("positions", "2024-05-01") == 5
    assert archive.partitions("positions") == {"2024-05-01": 1, "2024-05-02": 1}
    [merged] = [p for p in parts(root) if "2024-05-01" in p]
    assert "part-_compacted-" in merged
    assert sort_rows(archive.track(1)) + sort_rows(archive.track(3)) == before
    assert archive.count("positions") == 11
    assert archive.append({"positions": make_positions([])}, batch_id="live-2") is False
    assert archive.compact("positions", "2024-05-01") == 0  # one file: nothing to do
    assert archive.compact("positions", "2024-06-01") == 0
    with pytest.raises(ValueError, match="day must be"):
        archive.compact("positions", "../../etc")


def test_compact_interrupted_at_any_point_keeps_every_row_once(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def died(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    with Archive(root) as archive:
        for i in range(3):
            rows = [fix(1, f"2024-05-01T12:00:0{i}Z")]
            archive.append({"positions": make_positions(rows)}, batch_id=f"b{i}")
        monkeypatch.setattr(Manifest, "replace_files", died)  # before the swap
        with pytest.raises(KeyboardInterrupt):
            archive.compact("positions", "2024-05-01")
        monkeypatch.undo()
        assert archive.track(1).num_rows == 3
        assert len(parts(root)) == 3

        # After the swap, before the old files are deleted: they are orphans.
        monkeypatch.setattr(Path, "unlink", lambda self, missing_ok=False: None)
        archive.compact("positions", "2024-05-01")
        monkeypatch.undo()
        assert len(parts(root)) == 4
        assert archive.track(1).num_rows == 3  # readers see the manifest's files only
    with Archive(root) as reopened:
        assert len(reopened.removed_orphans) == 3
        assert reopened.track(1).num_rows == 3


def test_a_query_racing_a_compaction_lists_the_files_again(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(3):
        rows = [fix(1, f"2024-05-01T12:00:0{i}Z")]
        archive.append({"positions": make_positions(rows)}, batch_id=f"b{i}")
    stale = Manifest.files(archive._manifest, "positions")
    archive.compact("positions", "2024-05-01")  # deletes the files in `stale`
    real = Manifest.files
    calls: list[str] = []

    def first_stale(self: Manifest, table: str, **bounds: str | None) -> list[FileEntry]:
        calls.append(table)
        found: list[FileEntry] = stale if len(calls) == 1 else real(self, table, **bounds)
        return found

    monkeypatch.setattr(Manifest, "files", first_stale)
    assert archive.track(1).num_rows == 3
    assert len(calls) >= 2


# -- latest picture -------------------------------------------------------------------


def test_latest_vessels_takes_the_latest_fix_and_latest_non_null_particulars(
    archive: Archive,
) -> None:
    archive.append(
        {
            "positions": make_positions(
                [
                    fix(1, "2024-05-01T12:00:00Z", lat=30.0),
                    fix(1, "2024-05-01T14:00:00Z", lat=32.0, sog=7.5, nav_status=0),
                    fix(1, None, lat=80.0),  # no time: never later than a timed fix
                ]
            ),
            "vessels": make_vessels(
                [
                    {"mmsi": 1, "ts": "2024-05-01T00:00:00Z", "name": "OLD NAME", "imo": 1234567},
                    {"mmsi": 1, "ts": "2024-05-01T10:00:00Z", "name": "NEW NAME"},
                ]
            ),
        },
        batch_id="b1",
    )
    archive.append(  # a later batch with an older fix and particulars with gaps
        {
            "positions": make_positions(
                [
                    fix(1, "2024-05-01T13:00:00Z", lat=31.0),
                    fix(1, "2024-05-01T15:00:00Z", lat=None),  # no position
                    fix(1, "2024-05-01T16:00:00Z", lat=33.0, msg_type=9),  # an SAR aircraft
                ]
            ),
            "vessels": make_vessels(
                [
                    {"mmsi": 1, "ts": "2024-05-01T11:00:00Z", "name": None, "callsign": "TSAB"},
                    {"mmsi": 1, "ts": "2024-05-01T12:00:00Z", "name": "", "ship_type": 30},
                    {"mmsi": 1, "ts": "2024-05-01T09:00:00Z", "name": "OLDER NAME"},
                    {"mmsi": 2, "ts": "2024-05-01T09:00:00Z", "name": "NO POSITIONS"},
                ]
            ),
        },
        batch_id="b2",
    )
    latest = archive.latest_vessels()
    assert latest.schema == LATEST
    assert latest.to_pylist() == [
        {
            "mmsi": 1,
            "ts": utc("2024-05-01T14:00:00Z"),
            "lat": 32.0,
            "lon": 10.2,
            "sog": 7.5,
            "cog": None,
            "heading": None,
            "nav_status": 0,
            "name": "NEW NAME",
            "callsign": "TSAB",
            "imo": 1234567,
            "ship_type": 30,
        }
    ]


def test_latest_vessels_without_vessel_particulars_has_null_names(archive: Archive) -> None:
    archive.append({"positions": make_positions([fix(5, "2024-05-01T12:00:00Z")])}, batch_id="b")
    [row] = archive.latest_vessels().to_pylist()
    assert (row["mmsi"], row["name"], row["imo"]) == (5, None, None)


def test_bbox_filters_the_latest_fix_not_the_history(archive: Archive) -> None:
    rows = [
        fix(1, "2024-05-01T12:00:00Z", lat=36.0, lon=10.0),  # was in the box,
        fix(1, "2024-05-01T13:00:00Z", lat=40.0, lon=10.0),  # then left it
        fix(2, "2024-05-01T12:00:00Z", lat=36.5, lon=10.5),
        fix(3, "2024-05-01T12:00:00Z", lat=0.0, lon=179.5),
        fix(4, "2024-05-01T12:00:00Z", lat=0.0, lon=-179.5),
        fix(5, "2024-05-01T12:00:00Z", lat=0.0, lon=0.0),
    ]
    archive.append({"positions": make_positions(rows)}, batch_id="b")
    box = archive.latest_vessels(bbox=(9.0, 35.0, 11.0, 37.0))
    assert box.column("mmsi").to_pylist() == [2]
    across = archive.latest_vessels(bbox=(179.0, -1.0, -179.0, 1.0))  # over the antimeridian
    assert sorted(across.column("mmsi").to_pylist()) == [3, 4]
    with pytest.raises(ValueError, match="min_lat"):
        archive.latest_vessels(bbox=(9.0, 37.0, 11.0, 35.0))


def test_limit_keeps_the_most_recently_seen(archive: Archive) -> None:
    rows = [fix(m, f"2024-05-01T12:00:0{m}Z") for m in range(1, 6)] + [fix(9, None)]
    archive.append({"positions": make_positions(rows)}, batch_id="b")
    assert archive.latest_vessels(limit=2).column("mmsi").to_pylist() == [5, 4]
    assert archive.latest_vessels().column("mmsi").to_pylist()[-1] == 9  # unknown time last


def test_empty_archive_answers_empty_tables_with_their_columns(archive: Archive) -> None:
    assert archive.latest_vessels().schema == LATEST
    assert archive.latest_vessels().num_rows == 0
    assert archive.track(1).schema == POSITIONS
    assert archive.track(1, start=utc("2024-01-01T00:00:00Z")).num_rows == 0
    assert archive.has_positions(1) is False
    assert archive.count("positions") == 0
    assert archive.files("vessels") == []
    assert LatestState.from_archive(archive).snapshot().schema == LATEST


_TIMES = [None, "2024-05-01T12:00:00Z", "2024-05-01T12:00:01Z", "2024-05-02T00:00:00Z"]
_position_rows = st.fixed_dictionaries(
    {
        "mmsi": st.sampled_from([1, 2, 3]),
        "ts": st.sampled_from(_TIMES),
        "lat": st.sampled_from([None, 1.0, 2.0]),
        "lon": st.sampled_from([3.0, 4.0]),
        "sog": st.sampled_from([None, 0.5, 9.5]),
        "heading": st.sampled_from([None, 10, 20]),
        "msg_type": st.sampled_from([1, 3, 18, 27, 9]),
    }
)
_vessel_rows = st.fixed_dictionaries(
    {
        "mmsi": st.sampled_from([1, 2, 3]),
        "ts": st.sampled_from(_TIMES),
        "name": st.sampled_from([None, "", "ALPHA", "BRAVO"]),
        "callsign": st.sampled_from([None, "CALL"]),
        "imo": st.sampled_from([None, 1, 2]),
        "ship_type": st.sampled_from([None, 30, 70]),
    }
)
_batches = st.lists(
    st.tuples(st.lists(_position_rows, max_size=6), st.lists(_vessel_rows, max_size=4)),
    min_size=1,
    max_size=4,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches=_batches)
def test_live_state_agrees_with_the_archive(
    batches: list[tuple[list[dict[str, Any]], list[dict[str, Any]]]],
) -> None:
    state = LatestState()
    with tempfile.TemporaryDirectory() as tmp, Archive(tmp) as archive:
        for i, (positions, vessels) in enumerate(batches):
            tables = {"positions": make_positions(positions), "vessels": make_vessels(vessels)}
            archive.append(tables, batch_id=f"b{i}")
            state.update(tables["positions"], vessels=tables["vessels"])
        expected = archive.latest_vessels().to_pylist()
        assert state.snapshot().to_pylist() == expected
        assert LatestState.from_archive(archive).snapshot().to_pylist() == expected
        box = (3.5, 0.0, 4.5, 1.5)
        assert state.snapshot(box).to_pylist() == archive.latest_vessels(bbox=box).to_pylist()
        assert len(state) == len(expected)


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_ties_on_time_are_broken_alike_whatever_the_arrival_order(
    archive: Archive, order: tuple[int, ...]
) -> None:
    same = "2024-05-01T12:00:00Z"
    fixes = [fix(1, same, sog=3.0), fix(1, same, sog=5.0), fix(1, same, sog=None, heading=200)]
    names = ["ALPHA", "CHARLIE", "BRAVO"]
    state = LatestState()
    for i in order:
        positions = make_positions([fixes[i]])
        vessels = make_vessels([{"mmsi": 1, "ts": same, "name": names[i]}])
        archive.append({"positions": positions, "vessels": vessels}, batch_id=f"b{i}")
        state.update(positions, vessels=vessels)
    [row] = archive.latest_vessels().to_pylist()
    # The greatest value wins a tie, a null loses to any value.
    assert (row["sog"], row["heading"], row["name"]) == (5.0, None, "CHARLIE")
    assert state.snapshot().to_pylist() == [row]


def test_seeded_state_keeps_newer_particulars_than_a_late_update(archive: Archive) -> None:
    archive.append(
        {
            "positions": make_positions([fix(1, "2024-05-01T12:00:00Z")]),
            "vessels": make_vessels([{"mmsi": 1, "ts": "2024-05-01T12:00:00Z", "name": "NEW"}]),
        },
        batch_id="b",
    )
    state = LatestState.from_archive(archive)
    late = make_vessels([{"mmsi": 1, "ts": "2024-05-01T08:00:00Z", "name": "OLD"}])
    state.update(make_positions([fix(1, "2024-05-01T11:00:00Z", lat=0.0)]), vessels=late)
    [row] = state.snapshot().to_pylist()
    assert (row["name"], row["lat"]) == ("NEW", 36.8)
    state.update(make_positions([fix(1, "2024-05-01T12:00:00.001Z", lat=1.0)]))
    assert state.snapshot().column("lat").to_pylist() == [1.0]


def test_state_seeded_from_the_public_table_takes_any_later_name() -> None:
    table = pa.Table.from_pylist(
        [{"mmsi": 1, "ts": utc("2024-05-01T12:00:00Z"), "lat": 1.0, "lon": 2.0, "name": "SEED"}],
        schema=LATEST,
    )
    state = LatestState(table)
    assert state.snapshot().column("name").to_pylist() == ["SEED"]
    state.update(vessels=make_vessels([{"mmsi": 1, "ts": "2024-04-01T00:00:00Z", "name": "LIVE"}]))
    assert state.snapshot().column("name").to_pylist() == ["LIVE"]  # seed had no name_ts


def test_archive_ts_are_utc_milliseconds(archive: Archive) -> None:
    moment = utc("2024-05-01T12:00:00.123Z")
    archive.append(
        {"positions": make_positions([fix(1, "2024-05-01T12:00:00.123Z")])}, batch_id="b"
    )
    [row] = archive.latest_vessels().to_pylist()
    assert row["ts"] == moment
    assert row["ts"].utcoffset() == timedelta(0)
