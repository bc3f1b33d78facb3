"""Organization roles, ordered from most to least powerful."""

from __future__ import annotations

from typing import Literal

Role = Literal["owner", "admin", "manager", "reviewer", "annotator"]
ROLES: tuple[Role, ...] = ("owner", "admin", "manager", "reviewer", "annotator")
_RANK = {role: len(ROLES) - i for i, role in enumerate(ROLES)}


def role_at_least(role: str, minimum: Role) -> bool:
    """True when ``role`` is ``minimum`` or more powerful."""
    return _RANK.get(role, 0) >= _RANK[minimum]
