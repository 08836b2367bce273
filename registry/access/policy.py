"""Moved: the object rules live in registry.access.rules (kept as names for old imports)."""

from registry.access.rules import require_owner, require_role

__all__ = ["require_owner", "require_role"]
