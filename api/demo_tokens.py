"""`flask --app api demo-tokens`: one sign-in token per role for the demo city, reused.

Tokens are stored only as hashes, so to show the same set on the next `make run` the clear
tokens are kept in a file beside the database (INFRASHARE_DEMO_TOKENS_FILE, default
instance/demo-tokens.json, readable by its owner only). The saved set is reused while every
token in it still works for at least a day; otherwise the previous demo tokens are revoked
and a new set is made. Demo tokens are for a local demo: never run this on a real registry.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from api.config import PROJECT_ROOT
from api.context import app_context
from registry.access import tokens as service
from registry.access.models import ApiToken, User
from registry.db.uow import Actor, UnitOfWork
from registry.errors import Unauthenticated
from registry.inventory.models import Organisation, utcnow

log = logging.getLogger(__name__)

DEMO_USER = "demo"
LIFETIME = dt.timedelta(days=7)
MIN_LEFT = dt.timedelta(days=1)  # a saved token closer to its expiry is replaced
DEMO_ROLES = {
    # role: (organisation, sector) of the Nanning demo city
    "owner": ("China Tower Guangxi (中国铁塔广西分公司)", "tower_company"),
    "operator": ("China Mobile Nanning (中国移动南宁分公司)", "telecom"),
    "approver": ("Nanning Municipal (南宁市市政)", "municipal"),
    "admin": ("InfraShare Administration", "other"),
}


def tokens_file() -> Path:
    configured = current_app.config.get("DEMO_TOKENS_FILE")
    return Path(configured) if configured else PROJECT_ROOT / "instance" / "demo-tokens.json"


def _still_good(session, token: str) -> bool:
    try:
        service.authenticate(session, token)
    except Unauthenticated:
        return False
    expires = session.scalar(
        sa.select(ApiToken.expires_at).where(ApiToken.token_hash == service.hash_token(token))
    )
    expires = expires if expires.tzinfo else expires.replace(tzinfo=dt.UTC)
    return expires - utcnow() > MIN_LEFT


def saved_tokens(path: Path) -> dict[str, str] | None:
    """The saved set, if it is complete and every token in it still works."""
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(saved, dict) or set(saved) != set(DEMO_ROLES):
        return None
    with app_context().session_factory() as session:
        if all(isinstance(t, str) and _still_good(session, t) for t in saved.values()):
            return saved
    return None


def _uow() -> UnitOfWork:
    return UnitOfWork(app_context().session_factory, Actor.system("demo-tokens"))


def revoke_previous() -> int:
    """Revoke every live token of the demo user in the demo organisations; returns how many."""
    orgs = [org for org, _ in DEMO_ROLES.values()]
    stmt = (
        sa.select(ApiToken.id)
        .join(User, User.id == ApiToken.user_id)
        .join(Organisation, Organisation.id == User.org_id)
        .where(User.name == DEMO_USER, Organisation.name.in_(orgs), ApiToken.revoked_at.is_(None))
    )
    with app_context().session_factory() as session:
        ids = list(session.scalars(stmt))
    for token_id in ids:
        with _uow() as uow:
            service.revoke_token(uow, token_id)
    return len(ids)


def new_tokens() -> dict[str, str]:
    """A fresh token per role (the approver's jurisdiction is the demo city)."""
    from seed_data.demo_city import city_bbox

    minx, miny, maxx, maxy = city_bbox()
    ring = [[minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy], [minx, miny]]
    city = {"type": "Polygon", "coordinates": [ring]}
    made = {}
    for role, (org, sector) in DEMO_ROLES.items():
        with _uow() as uow:
            made[role], _ = service.create_token(
                uow,
                org,
                role,
                LIFETIME,
                user_name=DEMO_USER,
                sector=sector,
                jurisdiction=city if role == "approver" else None,
            )
    return made


def _save(path: Path, tokens: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(tokens, handle)


@click.command("demo-tokens")
@click.option("--new", "fresh", is_flag=True, help="Revoke the saved set and make a new one.")
@click.option(
    "--url", default="http://127.0.0.1:5000", show_default=True, help="Where the server answers."
)
@with_appcontext
def demo_tokens_command(fresh, url):
    """Print a sign-in token per role for the demo; the same set on every run."""
    path = tokens_file()
    tokens = None if fresh else saved_tokens(path)
    if tokens is None:
        revoked = revoke_previous()
        tokens = new_tokens()
        _save(path, tokens)
        note = f"new demo tokens (revoked {revoked} old ones), saved in {path}"
    else:
        note = f"demo tokens reused from {path} (--new for a fresh set)"
    click.echo(f"InfraShare: {url.rstrip('/')}/   sign in with one of these tokens:")
    for role, (org, _) in DEMO_ROLES.items():
        click.echo(f"{role:9} {org}\n          {tokens[role]}")
    click.echo(f"API: curl -H 'Authorization: Bearer <token>' {url.rstrip('/')}/api/v1/assets")
    click.echo(note)
