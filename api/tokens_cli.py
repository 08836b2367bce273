"""`flask --app api tokens create|list|revoke` and `demo-tokens`: bootstrap API access."""

from __future__ import annotations

import datetime as dt
import json
import re

import click
from flask import current_app
from flask.cli import AppGroup

from api.context import app_context
from registry.access import tokens as service
from registry.db.uow import Actor, UnitOfWork

tokens_cli = AppGroup("tokens", help="API tokens: create (shown once), list, revoke.")

DEMO_ROLES = {
    # role: (organisation, sector) of the Nanning demo city
    "owner": ("China Tower Guangxi (中国铁塔广西分公司)", "tower_company"),
    "operator": ("China Mobile Nanning (中国移动南宁分公司)", "telecom"),
    "approver": ("Nanning Municipal (南宁市市政)", "municipal"),
    "admin": ("InfraShare Administration", "other"),
}


def parse_duration(text: str) -> dt.timedelta:
    """'30d', '12h', '90m' or '2w' as a timedelta."""
    match = re.fullmatch(r"(\d+)([mhdw])", text.strip())
    if not match:
        raise click.BadParameter("use a number and a unit: 90m, 12h, 30d or 2w")
    n, unit = int(match[1]), match[2]
    return {
        "m": dt.timedelta(minutes=n),
        "h": dt.timedelta(hours=n),
        "d": dt.timedelta(days=n),
        "w": dt.timedelta(weeks=n),
    }[unit]


def _read_area(handle) -> dict:
    try:
        area = json.load(handle)
    except ValueError as exc:
        raise click.BadParameter(f"not JSON: {exc}", param_hint="--jurisdiction") from None
    if area.get("type") == "Feature":
        area = area.get("geometry")
    return area


def _uow() -> UnitOfWork:
    return UnitOfWork(app_context().session_factory, Actor.system("cli"))


@tokens_cli.command("create")
@click.option("--org", required=True, help="Organisation name; created if it does not exist.")
@click.option(
    "--role", required=True, type=click.Choice(["owner", "operator", "approver", "admin"])
)
@click.option("--expires", default="90d", show_default=True, help="Lifetime: 30d, 12h, 2w.")
@click.option("--scope", default="write", type=click.Choice(["read", "write"]), show_default=True)
@click.option("--user", "user_name", default="cli", show_default=True, help="User name.")
@click.option(
    "--sector", default="other", show_default=True, help="Sector of a newly created organisation."
)
@click.option(
    "--jurisdiction",
    type=click.File("r"),
    default=None,
    help="Approvers: a GeoJSON Polygon file; build requests outside it are not theirs.",
)
def create(org, role, expires, scope, user_name, sector, jurisdiction):
    """Create a token; it is printed once, alone on the last line."""
    area = _read_area(jurisdiction) if jurisdiction else None
    with _uow() as uow:
        token, row = service.create_token(
            uow, org, role, parse_duration(expires), scope, user_name, sector, jurisdiction=area
        )
    click.echo(
        f"token #{row.id} for {org} ({role}, {scope}), expires "
        f"{row.expires_at:%Y-%m-%d %H:%M} UTC; it is not stored, copy it now:"
    )
    click.echo(token)


@tokens_cli.command("list")
@click.option("--org", default=None, help="Only this organisation's tokens.")
def list_(org):
    """List tokens (prefix, organisation, scope, expiry, state); never the secrets."""
    with app_context().session_factory() as session:
        for row in service.list_tokens(session, org):
            state = "revoked" if row.revoked_at else "active"
            click.echo(
                f"{row.id}\t{row.prefix}…\t{row.user.organisation.name}\t"
                f"{row.user.name}\t{row.scope}\t{row.expires_at:%Y-%m-%d}\t{state}"
            )


@tokens_cli.command("revoke")
@click.argument("token_id", type=int)
def revoke(token_id):
    """Revoke a token by its id (see `tokens list`)."""
    with _uow() as uow:
        row = service.revoke_token(uow, token_id)
    click.echo(f"token #{row.id} ({row.prefix}…) revoked")


def demo_tokens():
    """Create and print a demo token for each role (valid for 7 days)."""
    from seed_data.demo_city import city_bbox

    minx, miny, maxx, maxy = city_bbox()
    ring = [[minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy], [minx, miny]]
    city = {"type": "Polygon", "coordinates": [ring]}
    for role, (org, sector) in DEMO_ROLES.items():
        with _uow() as uow:
            token, _ = service.create_token(
                uow,
                org,
                role,
                dt.timedelta(days=7),
                user_name="demo",
                sector=sector,
                jurisdiction=city if role == "approver" else None,
            )
        click.echo(f"{role:9} {org}\n          {token}")
    click.echo(
        f"use: curl -H 'Authorization: Bearer <token>' "
        f"{current_app.config.get('PUBLIC_URL', 'http://127.0.0.1:5000')}/api/v1/assets"
    )


def register(app) -> None:
    app.cli.add_command(tokens_cli)
    app.cli.command("demo-tokens")(demo_tokens)
