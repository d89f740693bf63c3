"""Why a line was not stored, and what each kind of line counts as.

Every input line lands in exactly one category, so a summary adds up to the lines
read. The codes are small integers because the decoder's kernels work on arrays;
the names are what users see in `rejected.parquet` and in summaries.
"""

from __future__ import annotations

from typing import Final

__all__ = ["CATEGORIES", "KIND_NAMES", "REASONS", "REASON_TEXT"]

# Line kinds (kernel codes).
BLANK: Final = 0
COMMENT: Final = 1
OTHER_NMEA: Final = 2
WRAPPER: Final = 3  # a tag block or `$PGHP` line on its own, applying to the next sentence
SENTENCE: Final = 4  # an AIS sentence (!xxVDM / !xxVDO)
REJECTED: Final = 5

KIND_NAMES: Final = ("blank", "comment", "other_nmea", "wrapper", "ais", "rejected")

# Rejection reasons (kernel codes; 0 means not rejected).
NOT_REJECTED: Final = 0
NOT_NMEA: Final = 1
BINARY: Final = 2
NO_CHECKSUM: Final = 3
BAD_CHECKSUM: Final = 4
MALFORMED: Final = 5
BAD_TAG_BLOCK: Final = 6
EMPTY_PAYLOAD: Final = 7
BAD_PAYLOAD_CHAR: Final = 8
ORPHAN_FRAGMENT: Final = 9
INCOMPLETE_MESSAGE: Final = 10
TOO_SHORT: Final = 11
OUT_OF_RANGE: Final = 12
LINE_TOO_LONG: Final = 13
BAD_CSV_ROW: Final = 14  # decoded CSV archives (csv_archive.py)

#: Reason names by code; index 0 is unused.
REASONS: Final = (
    "",
    "not_nmea",
    "binary_data",
    "no_checksum",
    "bad_checksum",
    "malformed_sentence",
    "bad_tag_block",
    "empty_payload",
    "bad_payload_char",
    "orphan_fragment",
    "incomplete_message",
    "payload_too_short",
    "value_out_of_range",
    "line_too_long",
    "bad_csv_row",
)

REASON_TEXT: Final = {
    "not_nmea": "not an NMEA sentence, tag block or known archive wrapper",
    "binary_data": "holds bytes that are not printable ASCII (binary data or non-ASCII text)",
    "no_checksum": "AIS sentence without a *hh checksum",
    "bad_checksum": "checksum does not match the sentence",
    "malformed_sentence": "AIS sentence with wrong fields (fragment count/number, fill bits)",
    "bad_tag_block": "NMEA 4.0 tag block not closed by a backslash",
    "empty_payload": "AIS sentence with an empty payload",
    "bad_payload_char": "payload character outside the AIS 6-bit alphabet",
    "orphan_fragment": "fragment of a multi-sentence message whose first fragment was not seen",
    "incomplete_message": "multi-sentence message whose remaining fragments never arrived",
    "payload_too_short": "payload shorter than its message type requires",
    "value_out_of_range": (
        "a field outside its defined values: latitude or longitude off the Earth and not "
        "the 'not available' value, or a type 24 part number other than A (0) or B (1)"
    ),
    "line_too_long": "line longer than any NMEA sentence or archive wrapper could be",
    "bad_csv_row": "CSV archive row that cannot be read (field count, MMSI, time or position)",
}

#: Summary categories: every line is counted in exactly one of these.
CATEGORIES: Final = (
    "ais",
    "other_nmea",
    "wrapper",
    "comment",
    "blank",
    *(f"rejected:{r}" for r in REASONS[1:]),
)
