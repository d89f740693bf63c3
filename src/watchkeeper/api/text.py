"""Text accepted from requests: no NUL and no other control characters but tab and newlines.

PostgreSQL cannot store NUL in text, and control characters in names only serve to
deceive a reader of lists and the audit trail; refusing them at the edge gives the
caller a 422 that names the field, instead of a database error.
"""

from __future__ import annotations

import re
from typing import Annotated, Final

from pydantic import AfterValidator

__all__ = ["Text", "check_text"]

_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def check_text(value: str) -> str:
    found = _CONTROL.search(value)
    if found:
        raise ValueError(
            f"control character U+{ord(found.group()):04X} at position {found.start()} is not allowed"
        )
    return value


Text = Annotated[str, AfterValidator(check_text)]
