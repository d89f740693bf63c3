"""What the routes keep on the application between requests."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

from fastapi import Request

from watchkeeper.settings import Settings

__all__ = ["loaded_once"]

T = TypeVar("T")


def loaded_once(request: Request, key: str, load: Callable[[Settings], T]) -> T:
    """What `load` makes of the node's settings: made at the first request that needs
    it (a reference file read once, not at start-up nor at every request), then kept
    on the application as `key`."""
    found = getattr(request.app.state, key, None)
    if found is None:
        found = load(request.app.state.settings)
        setattr(request.app.state, key, found)
    return cast(T, found)
