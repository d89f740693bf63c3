"""Which events become alerts: rules by type, zone and score, and distress always.

A watch officer cannot read every event the detectors raise; rules say which deserve
their attention. A rule admits an event of one of its `types` (every type when none
is named), at or above `min_score`, and, when it names a `zone`, only if the event's
position lies in a zone of that name or kind (`watchkeeper.geo.zones`). Rules are
tried in order and the first that admits an event names the alert (`rule`, `zone`),
and may make it more urgent (`priority`). This module holds the rules (the
settings read it, so it stays light); `matching` applies them.

Distress events (`distress_beacon`, `drift`) always become alerts, whatever the rules
say: a node must never be configured into missing people in the water. When no rule
admits one, its rule is `distress`.
"""

from __future__ import annotations

from typing import Final

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "DEFAULT_MIN_SCORE",
    "DEFAULT_RULES",
    "DISTRESS_RULE",
    "AlertRule",
]

#: The lowest score any detector gives an event it reports (0.5: a gap where reception
#: is patchy, loitering by day). Detectors already apply their own thresholds, so by
#: default every event they report alerts; raise it to cut the noise of a busy area.
DEFAULT_MIN_SCORE: Final = 0.5
#: The rule name of a distress event that no configured rule admitted.
DISTRESS_RULE: Final = "distress"


class AlertRule(BaseModel):
    """One rule: event types, an optional zone the event must lie in, a minimum score."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=100, description="shown on the alerts it raises")
    types: tuple[str, ...] = Field(
        default=(), description="event types the rule applies to; empty: every type"
    )
    zone: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="a zone name or kind (e.g. `departure_coast`) the event's position must lie in",
    )
    min_score: float = Field(default=DEFAULT_MIN_SCORE, ge=0.0, le=1.0)
    priority: int | None = Field(
        default=None,
        ge=1,
        le=4,
        description=(
            "raise the alerts of this rule to this priority (1 is the most urgent); it never "
            "lowers one: an alert keeps its event's priority when that is more urgent"
        ),
    )

    @field_validator("types", mode="after")
    @classmethod
    def _known_types(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        # Imported here: the settings import this module, and the event table's module
        # brings Polars and Arrow, which reading the settings does not need.
        from watchkeeper.detect.events import EVENT_TYPES  # noqa: PLC0415

        unknown = sorted(set(value) - set(EVENT_TYPES))
        if unknown:
            raise ValueError(
                f"unknown event type {', '.join(unknown)} (types: {', '.join(EVENT_TYPES)})"
            )
        return value


#: Every event at or above `DEFAULT_MIN_SCORE`, anywhere (distress always, regardless).
DEFAULT_RULES: Final = (AlertRule(name="default"),)
