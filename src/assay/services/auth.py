"""Logging in, browser sessions and API tokens, and turning a credential into an Actor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Connection, DateTime, select, text, update
from sqlalchemy.orm import Session

from assay.db.models import ApiToken, Membership, User, WebSession, utcnow
from assay.errors import NotFound, Unauthenticated
from assay.security.passwords import verify_password
from assay.security.policies import Actor, TokenPolicy
from assay.security.tokens import display_prefix, hash_token, new_token
from assay.services import audit

LAST_USED_RESOLUTION = timedelta(minutes=5)  # don't write on every request just to say "still used"


def authenticate(*, session: Session, email: str, password: str) -> User:
    """The active user with these credentials; Unauthenticated otherwise (same time either way)."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    valid = verify_password(password, user.password_hash if user else None)
    if user is None or not valid or not user.is_active:
        raise Unauthenticated("wrong e-mail or password")
    return user


def login(
    *,
    session: Session,
    key: bytes,
    email: str,
    password: str,
    hours: float,
    ip: str | None,
    user_agent: str | None,
) -> tuple[str, User, int]:
    """Check credentials and open a browser session; returns (session token, user, org id)."""
    user = authenticate(session=session, email=email, password=password)
    org_id = session.scalar(
        select(Membership.org_id).where(Membership.user_id == user.id).order_by(Membership.id).limit(1)
    )
    if org_id is None:
        raise Unauthenticated("this account belongs to no organization")
    token = new_token()
    session.add(
        WebSession(
            token_hash=hash_token(token, key),
            user_id=user.id,
            org_id=org_id,
            expires_at=utcnow() + timedelta(hours=hours),
        )
    )
    user.last_login_at = utcnow()
    actor = Actor(user_id=user.id, org_id=org_id, role="", ip=ip, user_agent=user_agent)
    audit.record(session, actor=actor, action="auth.login", object_type="user", object_id=user.id)
    session.commit()
    return token, user, org_id


def logout(*, session: Session, key: bytes, token: str) -> None:
    """End a browser session."""
    row = session.scalar(select(WebSession).where(WebSession.token_hash == hash_token(token, key)))
    if row is not None:
        session.delete(row)
        session.commit()


def switch_org(*, session: Session, key: bytes, token: str, actor: Actor, org_id: int) -> None:
    """Point a browser session at another organization the user belongs to."""
    member = session.scalar(
        select(Membership.id).where(Membership.user_id == actor.user_id, Membership.org_id == org_id)
    )
    if member is None:
        raise NotFound("organization not found")
    session.execute(
        update(WebSession).where(WebSession.token_hash == hash_token(token, key)).values(org_id=org_id)
    )
    session.commit()


def _actor(
    membership: Membership, user: User, ip: str | None, agent: str | None, token_id: int | None
) -> Actor:
    return Actor(
        user_id=user.id,
        org_id=membership.org_id,
        role=membership.role,
        email=user.email,
        skills=tuple(membership.skills or ()),
        token_id=token_id,
        ip=ip,
        user_agent=agent,
    )


def actor_from_token(
    *, session: Session, key: bytes, token: str, ip: str | None, user_agent: str | None
) -> Actor:
    """Resolve an API token (one query); Unauthenticated when unknown, revoked or orphaned."""
    row = session.execute(
        select(ApiToken.id, ApiToken.last_used_at, Membership, User)
        .join(Membership, (Membership.user_id == ApiToken.user_id) & (Membership.org_id == ApiToken.org_id))
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == hash_token(token, key), ApiToken.revoked_at.is_(None), User.is_active)
    ).first()
    if row is None:
        raise Unauthenticated("invalid or revoked API token")
    token_id, last_used, membership, user = row
    now = utcnow()
    if last_used is None or now - _aware(last_used) > LAST_USED_RESOLUTION:
        session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
    return _actor(membership, user, ip, user_agent, token_id)


def actor_from_session(
    *, session: Session, key: bytes, token: str, ip: str | None, user_agent: str | None
) -> Actor:
    """Resolve a browser-session cookie; Unauthenticated when unknown or expired."""
    row = session.execute(
        select(WebSession.expires_at, Membership, User)
        .join(
            Membership, (Membership.user_id == WebSession.user_id) & (Membership.org_id == WebSession.org_id)
        )
        .join(User, User.id == WebSession.user_id)
        .where(WebSession.token_hash == hash_token(token, key), User.is_active)
    ).first()
    if row is None or _aware(row[0]) < utcnow():
        raise Unauthenticated("your session has ended; log in again")
    return _actor(row[1], row[2], ip, user_agent, None)


def _aware(moment):  # type: ignore[no-untyped-def]
    # SQLite hands back naive datetimes; everything assay writes is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- the labeling hot path: credential, member and project in one query ------------------------


@dataclass(frozen=True, slots=True)
class Credentials:
    """What a request presented: an API token (``kind="token"``) or a browser-session cookie (``"session"``)."""

    kind: str
    secret: str
    ip: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True, slots=True)
class QueueProject:
    """The project settings the labeling queue needs, read together with the caller's credentials."""

    id: int
    org_id: int
    overlap: int
    lease_seconds: int
    required_skills: tuple[str, ...]
    priority_order: str
    schema_version: int
    archived: bool
    # Quality (issue 3): gold mixing, qualification, dynamic overlap, and the caller's standing here.
    gold_rate: float = 0.0
    qualification_size: int = 0
    dynamic_overlap: bool = False
    standing: str | None = None  # qualifying | active | failed | paused; None: never scored here

    @property
    def quality(self) -> bool:
        """True when the queue must mix in gold (gold rate or qualification): the reference path."""
        return self.gold_rate > 0 or self.qualification_size > 0


_MEMBER_PROJECT = """
SELECT {ident} AS token_id, {stamp} AS stamp, u.id, u.email, m.org_id, m.role, m.skills,
       p.id, p.overlap, p.lease_seconds, p.required_skills, p.priority_order, p.schema_version,
       p.archived_at IS NOT NULL,
       p.gold_rate, p.qualification_size, p.confidence_threshold IS NOT NULL AND p.max_overlap > p.overlap,
       s.status
FROM {table} c
JOIN users u ON u.id = c.user_id AND u.is_active
JOIN memberships m ON m.user_id = c.user_id AND m.org_id = c.org_id
LEFT JOIN projects p ON p.id = :pid AND p.org_id = c.org_id
LEFT JOIN annotator_states s ON s.project_id = p.id AND s.user_id = u.id
WHERE c.token_hash = :h {live}
"""
MEMBER_PROJECT_SQL = {
    "token": _MEMBER_PROJECT.format(
        ident="c.id", stamp="c.last_used_at", table="api_tokens", live="AND c.revoked_at IS NULL"
    ),
    "session": _MEMBER_PROJECT.format(ident="NULL", stamp="c.expires_at", table="web_sessions", live=""),
}
_MEMBER_PROJECT_TEXT = {
    kind: text(sql).columns(stamp=DateTime(timezone=True)) for kind, sql in MEMBER_PROJECT_SQL.items()
}
TOUCH_TOKEN_SQL = "UPDATE api_tokens SET last_used_at = :now WHERE id = :id"


def _listed(value: Any) -> tuple[str, ...]:
    if isinstance(value, str | bytes):
        value = orjson.loads(value)
    return tuple(value or ())


def member_and_project(
    row: Any, creds: Credentials, project_id: int, now: datetime
) -> tuple[Actor, QueueProject, bool]:
    """Turn a ``MEMBER_PROJECT_SQL`` row into (actor, project, token needs a last-used stamp), or raise."""
    if row is None:
        if creds.kind == "token":
            raise Unauthenticated("invalid or revoked API token")
        raise Unauthenticated("your session has ended; log in again")
    token_id, stamp = row[0], row[1]
    if creds.kind == "session" and (stamp is None or _aware(stamp) < now):
        raise Unauthenticated("your session has ended; log in again")
    actor = Actor(
        user_id=row[2],
        org_id=row[4],
        role=row[5],
        email=row[3],
        skills=_listed(row[6]),
        token_id=token_id,
        ip=creds.ip,
        user_agent=creds.user_agent,
    )
    if row[7] is None:
        raise NotFound(f"project {project_id} not found")
    project = QueueProject(
        id=row[7],
        org_id=row[4],
        overlap=row[8],
        lease_seconds=row[9],
        required_skills=_listed(row[10]),
        priority_order=row[11],
        schema_version=row[12],
        archived=bool(row[13]),
        gold_rate=row[14] or 0.0,
        qualification_size=row[15] or 0,
        dynamic_overlap=bool(row[16]),
        standing=row[17],
    )
    stale = creds.kind == "token" and (stamp is None or now - _aware(stamp) > LAST_USED_RESOLUTION)
    return actor, project, stale


def actor_for_project(
    conn: Connection, *, key: bytes, creds: Credentials, project_id: int
) -> tuple[Actor, QueueProject]:
    """Resolve credentials and the project they name in one query; 401 or 404 as the API would give."""
    now = utcnow()
    row = conn.execute(
        _MEMBER_PROJECT_TEXT[creds.kind], {"h": hash_token(creds.secret, key), "pid": project_id}
    ).first()
    actor, project, stale = member_and_project(row, creds, project_id, now)
    if stale:
        conn.execute(text(TOUCH_TOKEN_SQL), {"now": now, "id": actor.token_id})
    return actor, project


def create_token(*, session: Session, key: bytes, actor: Actor, name: str) -> tuple[ApiToken, str]:
    """Create an API token for the actor in their organization; the secret is returned once."""
    token = new_token()
    row = ApiToken(
        org_id=actor.org_id,
        user_id=actor.user_id,
        name=name,
        prefix=display_prefix(token),
        token_hash=hash_token(token, key),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="token.create",
        object_type="token",
        object_id=row.id,
        details={"name": name},
    )
    session.commit()
    return row, token


def list_tokens(*, session: Session, actor: Actor) -> list[ApiToken]:
    """The actor's own tokens in this organization, newest first."""
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == actor.user_id, ApiToken.org_id == actor.org_id)
            .order_by(ApiToken.id.desc())
        )
    )


def revoke_token(*, session: Session, actor: Actor, token_id: int) -> ApiToken:
    """Revoke a token; at once, for every server process."""
    row = session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.org_id == actor.org_id))
    if row is None:
        raise NotFound("token not found")
    if row.user_id != actor.user_id:
        try:
            TokenPolicy.revoke(actor, row.user_id)
        except Exception:
            raise NotFound("token not found") from None
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record(session, actor=actor, action="token.revoke", object_type="token", object_id=row.id)
        session.commit()
    return row
