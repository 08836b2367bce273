"""`flask --app api tokens create|list|revoke` and `demo-tokens`: bootstrap API access."""

from __future__ import annotations

import datetime as dt
import json
import re

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from api import demo_tokens as demo
from api.context import app_context
from registry.access import tokens as service
from registry.db.uow import Actor, UnitOfWork
from registry.errors import RegistryError
from registry.inventory.models import Organisation

tokens_cli = AppGroup("tokens", help="API tokens: create (shown once), list, revoke.")


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


def resolve_org_name(name: str) -> str:
    """The existing organisation `name` means: the exact name, or the one whose name is
    `name` followed by its other-language name in brackets ("China Mobile Nanning" for
    "China Mobile Nanning (中国移动南宁分公司)"). A new name is returned as given (it will be
    created); a name that fits several organisations is refused."""
    name = name.strip()
    if not name:
        raise click.BadParameter("give the organisation's name", param_hint="--org")
    with app_context().session_factory() as session:
        exact = session.scalar(sa.select(Organisation.name).where(Organisation.name == name))
        if exact:
            return exact
        pattern = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + " (%"
        similar = list(
            session.scalars(
                sa.select(Organisation.name).where(Organisation.name.like(pattern, escape="\\"))
            )
        )
    if len(similar) > 1:
        listed = "; ".join(sorted(similar))
        raise click.BadParameter(
            f"fits several organisations ({listed}): give the full name", param_hint="--org"
        )
    return similar[0] if similar else name


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
    given, org = org, resolve_org_name(org)
    if org != given:
        click.echo(f"using the existing organisation {org!r}", err=True)
    try:
        with _uow() as uow:
            token, row = service.create_token(
                uow, org, role, parse_duration(expires), scope, user_name, sector, jurisdiction=area
            )
    except RegistryError as exc:
        raise click.ClickException(exc.message) from None
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
    try:
        with _uow() as uow:
            row = service.revoke_token(uow, token_id)
    except RegistryError as exc:
        raise click.ClickException(f"{exc.message} (see `tokens list`)") from None
    click.echo(f"token #{row.id} ({row.prefix}…) revoked")


def register(app) -> None:
    app.cli.add_command(tokens_cli)
    app.cli.add_command(demo.demo_tokens_command)
