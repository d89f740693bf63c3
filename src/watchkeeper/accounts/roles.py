"""The roles a user can hold, and what each is for.

Roles are additive: a user holding several may do what any of them allows. Which
routes admit which roles is stated beside each route (`api/access.py`), not here.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

__all__ = ["ALL_ROLES", "ROLE_PURPOSE", "Role", "parse_roles"]


class Role(StrEnum):
    ADMINISTRATOR = "administrator"
    WATCH_OFFICER = "watch_officer"
    ANALYST = "analyst"
    LIAISON_OFFICER = "liaison_officer"
    OPERATIONS_PLANNER = "operations_planner"
    TRAINING_OFFICER = "training_officer"
    OBSERVER = "observer"


ALL_ROLES: Final = frozenset(Role)

ROLE_PURPOSE: Final[dict[Role, str]] = {
    Role.ADMINISTRATOR: "manages users, tokens, settings and the audit trail",
    Role.WATCH_OFFICER: "keeps the live picture, acknowledges and handles alerts",
    Role.ANALYST: "reads and writes intelligence on networks, people and vessels",
    Role.LIAISON_OFFICER: "exchanges information with partner agencies",
    Role.OPERATIONS_PLANNER: "plans joint operations and patrols",
    Role.TRAINING_OFFICER: "runs training, exercises and lessons learned",
    Role.OBSERVER: "sees the picture, changes nothing",
}


def parse_roles(names: object) -> frozenset[Role]:
    """Roles from names (`watch_officer` or `watch-officer`), refusing unknown ones by name."""
    if isinstance(names, str):
        names = [part for part in names.replace(" ", ",").split(",") if part]
    if not isinstance(names, list | tuple | set | frozenset):
        raise ValueError("roles must be a list of role names")
    roles: set[Role] = set()
    for name in names:
        key = str(name).strip().lower().replace("-", "_")
        try:
            roles.add(Role(key))
        except ValueError:
            known = ", ".join(Role)
            raise ValueError(f"unknown role {name!r} (roles: {known})") from None
    return frozenset(roles)
