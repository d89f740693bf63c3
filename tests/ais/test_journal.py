"""The live-feed journal: whole lines only, never glued together, bounded in memory."""

from __future__ import annotations

from pathlib import Path

from watchkeeper.ais.decode import MAX_CARRIED_LINE, decode_bytes
from watchkeeper.ais.live import Journal

SENTENCE = b"!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23"


def test_a_half_line_left_by_a_dropped_connection_is_not_glued_to_the_next(
    tmp_path: Path,
) -> None:
    journal = Journal(tmp_path / "feed.nmea")
    journal.write(SENTENCE + b"\n" + SENTENCE[:20])  # the connection drops mid-line
    journal.end_line()
    journal.write(SENTENCE + b"\n")  # the reconnected feed
    journal.close()
    result = decode_bytes((tmp_path / "feed.nmea").read_bytes(), receive_prefix=True)
    assert result.positions.num_rows == 2
    assert dict(result.counts) == {"ais": 2, "rejected:no_checksum": 1}


def test_a_feed_without_line_ends_does_not_grow_memory(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "feed.nmea")
    for _ in range(5):
        journal.write(b"x" * (MAX_CARRIED_LINE // 2))
    journal.write(b"\n" + SENTENCE + b"\n")
    assert len(journal._partial) <= MAX_CARRIED_LINE
    journal.close()
    result = decode_bytes((tmp_path / "feed.nmea").read_bytes(), receive_prefix=True)
    assert result.positions.num_rows == 1
