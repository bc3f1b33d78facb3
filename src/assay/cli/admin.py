"""Local administration of the database: ``user create`` and ``token create`` (plus ``user list`` remotely)."""

from __future__ import annotations

import secrets
from typing import Annotated

import typer
from rich.table import Table

from assay.cli._output import err, friendly_errors, out
from assay.cli.local import find_org, find_user, local_session, member_actor, owner_actor
from assay.cli.remote import DEFAULT_URL, Token, Url, connect
from assay.errors import NotFound
from assay.security.roles import ROLES
from assay.services import auth, orgs
from assay.settings import Settings

user_app = typer.Typer(help="People: create accounts in the local database, list members of a server.",
                       no_args_is_help=True)
token_app = typer.Typer(help="API tokens, made in the local database.", no_args_is_help=True)

Email = Annotated[str, typer.Option(help="The person's e-mail address.")]
OrgRef = Annotated[str, typer.Option("--org", help="Organization slug or name.")]


@user_app.command("create")
@friendly_errors
def create_user(
    email: Email,
    org: OrgRef,
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    role: Annotated[str, typer.Option(help=f"Role in the organization: {', '.join(ROLES)}.")] = "annotator",
    password: Annotated[str | None, typer.Option(help="Password (generated and shown once when left out).")]
    = None,
    skill: Annotated[list[str] | None, typer.Option(help="A skill for task routing (repeat for more).")] = None,
    create_org: Annotated[bool, typer.Option("--create-org", help="Create the organization if it is missing; "
                                             "the user becomes its owner.")] = False,
) -> None:
    """Create a user (or add an existing one) in an organization of the local database."""
    with local_session(Settings()) as session:
        organization = find_org(session, org)
        if organization is None:
            if not create_org:
                raise NotFound(f"no organization '{org}'; add --create-org to create it")
            user = find_user(session, email)
            generated = None
            if user is None:
                generated = None if password else secrets.token_urlsafe(12)
                user = orgs.create_user(session=session, email=email, name=name, password=password or generated)
            organization = orgs.create_org(session=session, name=org, owner=user)
            role = "owner"
        else:
            if password and find_user(session, email) is not None:
                err.print("[yellow]Note:[/yellow] the account exists already; its password was left unchanged.")
            _, user, generated = orgs.add_member(
                session=session, actor=owner_actor(session, organization), email=email, role=role, name=name,
                skills=skill, password=password,
            )
        out.print(f"{user.email} is now {role} of '{organization.name}' (slug {organization.slug}).")
        if generated:
            out.print(f"Password: [bold]{generated}[/bold]  [dim](shown only this once)[/dim]")


@user_app.command("list")
@friendly_errors
def list_users(url: Url = DEFAULT_URL, token: Token = None) -> None:
    """List the members of your organization on a server."""
    table = Table("id", "e-mail", "name", "role", "skills", "joined")
    for member in connect(url, token).members():
        table.add_row(str(member.user_id), member.email, member.name, member.role, ", ".join(member.skills),
                      f"{member.joined_at:%Y-%m-%d}")
    out.print(table)


@token_app.command("create")
@friendly_errors
def create_token(
    email: Email,
    org: OrgRef,
    name: Annotated[str, typer.Option(help="A name to recognize the token by.")] = "cli",
) -> None:
    """Make an API token for a member of an organization in the local database; printed once."""
    settings = Settings()
    key = settings.resolved_secret()
    with local_session(settings) as session:
        organization = find_org(session, org)
        if organization is None:
            raise NotFound(f"no organization '{org}'")
        user = find_user(session, email)
        if user is None:
            raise NotFound(f"no user with e-mail {email}")
        row, secret = auth.create_token(session=session, key=key, actor=member_actor(session, organization, user),
                                        name=name)
    out.print(f"Token {row.prefix}… for {user.email} in '{organization.name}' (shown only this once):")
    out.print(secret, markup=False, soft_wrap=True)
