"""The audit trail: who did or saw what, when, from where, and why; tamper-evident.

`trail` appends hash-chained entries and verifies the chain; `retention` deletes
records past their time and says so in the trail.
"""

from __future__ import annotations

from watchkeeper.audit.trail import Actor, AuditTrail, Verification

__all__ = ["Actor", "AuditTrail", "Verification"]
