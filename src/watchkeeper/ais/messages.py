"""The bit layouts of the AIS messages Watchkeeper encodes and decodes (ITU-R M.1371-5).

One table per message: field name, first bit, width. The decoder's kernel
(`payload.py`) and the encoder's (`encode.py`) are written out by hand for speed,
and `tests/ais/test_encode.py` walks this table to prove the encoder puts every
field where it says and the decoder reads every static field back, so a wrong
offset in either shows up as a named field.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

__all__ = ["LAYOUTS", "message_bits"]

_HEAD: Final = (("msg_type", 0, 6), ("repeat", 6, 2), ("mmsi", 8, 30))

#: (name, first bit, width) of each field, by message kind. Texts are 6 bits a character.
LAYOUTS: Final[dict[str, tuple[tuple[str, int, int], ...]]] = {
    "position_a": _HEAD
    + (
        ("nav_status", 38, 4),
        ("turn_raw", 42, 8),
        ("sog", 50, 10),
        ("accuracy", 60, 1),
        ("lon", 61, 28),
        ("lat", 89, 27),
        ("cog", 116, 12),
        ("heading", 128, 9),
        ("second", 137, 6),
        ("maneuver", 143, 2),
        ("raim", 148, 1),
    ),
    "base_station": _HEAD
    + (
        ("year", 38, 14),
        ("month", 52, 4),
        ("day", 56, 5),
        ("hour", 61, 5),
        ("minute", 66, 6),
        ("second", 72, 6),
        ("accuracy", 78, 1),
        ("lon", 79, 28),
        ("lat", 107, 27),
        ("epfd", 134, 4),
        ("raim", 148, 1),
    ),
    "static_voyage": _HEAD
    + (
        ("ais_version", 38, 2),
        ("imo", 40, 30),
        ("callsign", 70, 42),
        ("name", 112, 120),
        ("ship_type", 232, 8),
        ("to_bow", 240, 9),
        ("to_stern", 249, 9),
        ("to_port", 258, 6),
        ("to_starboard", 264, 6),
        ("epfd", 270, 4),
        ("eta_month", 274, 4),
        ("eta_day", 278, 5),
        ("eta_hour", 283, 5),
        ("eta_minute", 288, 6),
        ("draught", 294, 8),
        ("destination", 302, 120),
        ("dte", 422, 1),
    ),
    "safety_broadcast": _HEAD + (("text", 40, 6),),  # 6 bits per character, up to 161
    "position_b": _HEAD
    + (
        ("sog", 46, 10),
        ("accuracy", 56, 1),
        ("lon", 57, 28),
        ("lat", 85, 27),
        ("cog", 112, 12),
        ("heading", 124, 9),
        ("second", 133, 6),
        ("raim", 147, 1),
    ),
    "static_b_a": _HEAD + (("part", 38, 2), ("name", 40, 120)),
    "static_b_b": _HEAD
    + (
        ("part", 38, 2),
        ("ship_type", 40, 8),
        ("vendor_id", 48, 18),
        ("callsign", 90, 42),
        ("to_bow", 132, 9),
        ("to_stern", 141, 9),
        ("to_port", 150, 6),
        ("to_starboard", 156, 6),
    ),
}

#: Length in bits of each fixed-size message (type 24 by part; type 14 by its text).
_BITS: Final = {1: 168, 2: 168, 3: 168, 4: 168, 5: 424, 18: 168}


def message_bits(
    msg_type: npt.NDArray[np.int64], part: npt.NDArray[np.int64], text_len: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Bits of each message: fixed by type, by part for 24 (A 160, B 168), by text for 14."""
    table = np.zeros(64, np.int64)
    for t, b in _BITS.items():
        table[t] = b
    bits = table[msg_type]
    bits = np.where(msg_type == 24, np.where(part == 0, 160, 168), bits)
    bits = np.where(msg_type == 14, 40 + 6 * text_len, bits)
    if (bits == 0).any():
        bad = sorted(set(msg_type[bits == 0].tolist()))
        raise ValueError(f"cannot encode message types {bad}")
    return bits  # type: ignore[no-any-return]
