"""Alerts: the events a watch officer must see, raised by rules, ranked distress first.

`rules` decides which events become alerts (type, zone, score; distress always),
`service.Alerts` raises, updates and retracts them from detector events and records
what watch officers do with them (acknowledge, assign, close: audited), and `feed`
serves live streams of them. Nothing here knows HTTP or the command line.
"""

from __future__ import annotations

from watchkeeper.alerts.rules import DEFAULT_MIN_SCORE, DEFAULT_RULES, AlertRule, match_rules
from watchkeeper.alerts.service import OPEN_STATUSES, Alerts, IngestCounts
from watchkeeper.alerts.views import AlertView, NoteView

__all__ = [
    "DEFAULT_MIN_SCORE",
    "DEFAULT_RULES",
    "OPEN_STATUSES",
    "AlertRule",
    "AlertView",
    "Alerts",
    "IngestCounts",
    "NoteView",
    "match_rules",
]
