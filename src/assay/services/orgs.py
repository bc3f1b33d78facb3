"""Organizations and their members."""

from __future__ import annotations

import re
import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assay.db.models import Membership, Organization, User
from assay.errors import Conflict, InvalidInput, NotFound
from assay.security.passwords import MIN_PASSWORD_LENGTH, hash_password
from assay.security.policies import Actor, OrgPolicy
from assay.security.roles import ROLES
from assay.services import audit


def slugify(name: str) -> str:
    """A URL-safe slug for an organization name."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:60] or "org"


def normalise_email(email: str) -> str:
    """Lower-cased, trimmed e-mail; raises InvalidInput when it is not an address."""
    email = email.strip().lower()
    if not re.fullmatch(r"[^@\s]+@[^@\s]+", email):
        raise InvalidInput(
            f"'{email}' is not an e-mail address", details=[{"loc": ["email"], "msg": "invalid"}]
        )
    return email


def create_user(*, session: Session, email: str, name: str = "", password: str | None = None) -> User:
    """Create a user; the caller commits. Raises Conflict when the e-mail is taken."""
    email = normalise_email(email)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(f"a user with e-mail {email} already exists")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"password must have at least {MIN_PASSWORD_LENGTH} characters",
            details=[{"loc": ["password"], "msg": "too short"}],
        )
    user = User(email=email, name=name, password_hash=hash_password(password) if password else None)
    session.add(user)
    session.flush()
    return user


def create_org(*, session: Session, name: str, owner: User, actor: Actor | None = None) -> Organization:
    """Create an organization with ``owner`` as its first owner, and commit."""
    base = slugify(name)
    slug = base
    while session.scalar(select(Organization.id).where(Organization.slug == slug)) is not None:
        slug = f"{base}-{secrets.token_hex(3)}"
    org = Organization(name=name, slug=slug)
    session.add(org)
    session.flush()
    session.add(Membership(org_id=org.id, user_id=owner.id, role="owner", skills=[]))
    audit.record(
        session, actor=actor, action="org.create", object_type="org", object_id=org.id, org_id=org.id
    )
    session.commit()
    return org


def list_orgs(*, session: Session, user_id: int) -> list[tuple[Organization, str]]:
    """The organizations a user belongs to, with their role in each."""
    rows = session.execute(
        select(Organization, Membership.role)
        .join(Membership, Membership.org_id == Organization.id)
        .where(Membership.user_id == user_id)
        .order_by(Organization.id)
    )
    return [(org, role) for org, role in rows]


def get_org(*, session: Session, org_id: int) -> Organization:
    """The organization by id (callers only pass their own organization's id)."""
    org = session.get(Organization, org_id)
    if org is None:
        raise NotFound("organization not found")
    return org


def list_members(*, session: Session, org_id: int) -> list[tuple[Membership, User]]:
    """Members of an organization with their user records."""
    rows = session.execute(
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.org_id == org_id)
        .order_by(Membership.id)
    )
    return [(m, u) for m, u in rows]


def get_member(*, session: Session, org_id: int, user_id: int) -> tuple[Membership, User]:
    """One member of the organization; NotFound for anyone else."""
    row = session.execute(
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.org_id == org_id, Membership.user_id == user_id)
    ).first()
    if row is None:
        raise NotFound("member not found")
    return row[0], row[1]


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise InvalidInput(
            f"unknown role '{role}'; use one of {', '.join(ROLES)}",
            details=[{"loc": ["role"], "msg": "unknown role"}],
        )


def add_member(
    *,
    session: Session,
    actor: Actor,
    email: str,
    role: str,
    name: str = "",
    skills: list[str] | None = None,
    password: str | None = None,
) -> tuple[Membership, User, str | None]:
    """Add a person to the actor's organization, creating their account if needed.

    Returns the membership, the user and, for a new account without a given password, a generated
    password to hand over once.
    """
    _check_role(role)
    OrgPolicy.grant_role(actor, role)
    email = normalise_email(email)
    user = session.scalar(select(User).where(User.email == email))
    generated = None
    if user is None:
        if password is None:
            generated = secrets.token_urlsafe(12)
        user = create_user(session=session, email=email, name=name, password=password or generated)
    elif session.scalar(
        select(Membership.id).where(Membership.org_id == actor.org_id, Membership.user_id == user.id)
    ):
        raise Conflict(f"{email} is already a member")
    membership = Membership(org_id=actor.org_id, user_id=user.id, role=role, skills=sorted(set(skills or [])))
    session.add(membership)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="member.add",
        object_type="user",
        object_id=user.id,
        details={"role": role, "skills": membership.skills},
    )
    session.commit()
    return membership, user, generated


def update_member(
    *, session: Session, actor: Actor, user_id: int, role: str | None = None, skills: list[str] | None = None
) -> tuple[Membership, User]:
    """Change a member's role or skills."""
    membership, user = get_member(session=session, org_id=actor.org_id, user_id=user_id)
    OrgPolicy.manage_members(actor)
    changes: dict[str, object] = {}
    if role is not None and role != membership.role:
        _check_role(role)
        OrgPolicy.grant_role(actor, role)
        if membership.role == "owner":
            OrgPolicy.grant_role(actor, "owner")
            _keep_an_owner(session, actor.org_id, user_id)
        changes["role"] = [membership.role, role]
        membership.role = role
    if skills is not None:
        changes["skills"] = [membership.skills, sorted(set(skills))]
        membership.skills = sorted(set(skills))
    audit.record(
        session, actor=actor, action="member.update", object_type="user", object_id=user_id, details=changes
    )
    session.commit()
    return membership, user


def remove_member(*, session: Session, actor: Actor, user_id: int) -> None:
    """Remove a member from the organization (their past annotations stay)."""
    membership, _ = get_member(session=session, org_id=actor.org_id, user_id=user_id)
    OrgPolicy.manage_members(actor)
    if membership.role == "owner":
        OrgPolicy.grant_role(actor, "owner")
        _keep_an_owner(session, actor.org_id, user_id)
    session.delete(membership)
    audit.record(session, actor=actor, action="member.remove", object_type="user", object_id=user_id)
    session.commit()


def _keep_an_owner(session: Session, org_id: int, leaving_user_id: int) -> None:
    owners = session.scalar(
        select(func.count()).where(
            Membership.org_id == org_id, Membership.role == "owner", Membership.user_id != leaving_user_id
        )
    )
    if not owners:
        raise Conflict("an organization must keep at least one owner")
