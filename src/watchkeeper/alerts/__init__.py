"""Alerts: the events a watch officer must see, raised by rules, ranked distress first.

`rules` says which events become alerts (type, zone, score; distress always) and
`matching` applies them; `service.Alerts` raises, updates and retracts alerts from
detector events and records what watch officers do with them (acknowledge, assign,
close: audited); `feed` and `notify` serve live streams of them. Nothing here knows
HTTP or the command line. Like `detect`, this package's `__init__` imports nothing, so
that reading the settings (which hold the rules) stays light.
"""
