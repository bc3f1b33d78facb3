"""Local administration: settings, the database, and finding organizations and users by what people type."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, make_url, or_, select
from sqlalchemy.orm import Session

from assay.db import make_engine, upgrade
from assay.db.models import Membership, Organization, User
from assay.errors import NotFound
from assay.security.policies import Actor
from assay.services.orgs import normalise_email
from assay.settings import Settings

CLI_AGENT = "assay cli"


def shown_url(url: str) -> str:
    """A database URL safe to print (password hidden)."""
    return make_url(url).render_as_string(hide_password=True)


def migrate(settings: Settings) -> Engine:
    """Bring the configured database up to date; returns its engine."""
    engine = make_engine(settings.db_url, pool_size=2)
    upgrade(engine)
    return engine


@contextmanager
def local_session(settings: Settings) -> Iterator[Session]:
    """A session on the configured, migrated database."""
    engine = migrate(settings)
    try:
        with Session(engine, expire_on_commit=False) as session:
            yield session
    finally:
        engine.dispose()


def find_org(session: Session, ref: str) -> Organization | None:
    """The organization whose slug or name is ``ref``."""
    return session.scalar(
        select(Organization).where(or_(Organization.slug == ref, Organization.name == ref)).order_by(Organization.id)
    )


def find_user(session: Session, email: str) -> User | None:
    """The user with this e-mail address."""
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def owner_actor(session: Session, org: Organization) -> Actor:
    """The organization's first owner, as the actor of changes made from the command line."""
    owner = session.scalar(
        select(Membership.user_id).where(Membership.org_id == org.id, Membership.role == "owner")
        .order_by(Membership.id)
    )
    if owner is None:
        raise NotFound(f"organization '{org.slug}' has no owner")
    return Actor(user_id=owner, org_id=org.id, role="owner", user_agent=CLI_AGENT)


def member_actor(session: Session, org: Organization, user: User) -> Actor:
    """``user`` acting in ``org``; NotFound when they are not a member."""
    membership = session.scalar(
        select(Membership).where(Membership.org_id == org.id, Membership.user_id == user.id)
    )
    if membership is None:
        raise NotFound(f"{user.email} is not a member of '{org.slug}'")
    return Actor(user_id=user.id, org_id=org.id, role=membership.role, email=user.email,
                 skills=tuple(membership.skills or ()), user_agent=CLI_AGENT)
