"""Areas of interest that users draw on the map, and the alert rules they attach to them.

Both live in the records database (`store.Areas`), every change audited. The node
sees them beside its zone files and its `alert_rules` setting: `Areas.zone_set()` is
what the detectors (`zone_entry`) and the alert rules look zones up in, and
`Areas.rules()` the rules tried before the settings' ones. Nothing here knows HTTP.
"""

from watchkeeper.areas.store import Areas, AreaView, RuleView

__all__ = ["AreaView", "Areas", "RuleView"]
