"""Logging in, browser sessions and API tokens, and turning a credential into an Actor."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
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
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


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
