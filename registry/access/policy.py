"""Object rules, enforced in services: who may change which asset, organisation or grant."""

from __future__ import annotations

from registry.errors import Forbidden


def require_owner(actor, owner_id: int, what: str = "asset") -> None:
    """Only the owner organisation (or an admin) creates, changes or deletes its assets."""
    if actor.is_admin or (actor.org_id is not None and actor.org_id == owner_id):
        return
    raise Forbidden(f"only the owner organisation may change this {what}")


def require_role(actor, *roles: str) -> None:
    """The actor's organisation must hold one of the roles (admins hold them all)."""
    if actor.is_admin or actor.roles & set(roles):
        return
    raise Forbidden(f"this needs the role {' or '.join(roles)}")
