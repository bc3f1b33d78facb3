"""Request dependencies: settings, database session, the calling Actor, and the project in the URL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from assay.db.models import Project
from assay.errors import PermissionDenied, Unauthenticated
from assay.security.policies import Actor
from assay.services import auth
from assay.services.projects import get_project
from assay.settings import Settings

SESSION_COOKIE = "assay_session"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    return request.app.state.settings


def get_session(request: Request) -> Iterator[Session]:
    """A database session for this request; reads run without taking SQLite's write lock."""
    engine = request.app.state.engine
    if request.method in SAFE_METHODS:
        engine = engine.execution_options(assay_read_only=True)
    with Session(engine, expire_on_commit=False) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]


def client_ip(request: Request) -> str | None:
    """The client's address as the server sees it (a proxy must be configured to pass the real one)."""
    return request.client.host if request.client else None


def check_csrf(request: Request) -> None:
    """Refuse cookie-authenticated writes that a browser sent from another site (Fetch Metadata, Origin)."""
    if request.method in SAFE_METHODS:
        return
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        if site not in ("same-origin", "none"):
            raise PermissionDenied("cross-site request refused")
        return
    origin = request.headers.get("origin")
    if origin is not None and origin != "null":
        host = request.headers.get("host", "")
        if origin.split("://", 1)[-1] != host:
            raise PermissionDenied("cross-origin request refused")
    elif origin == "null":
        raise PermissionDenied("cross-origin request refused")


def credentials(request: Request) -> auth.Credentials:
    """The credential a request carries (Bearer token, else session cookie with CSRF checks); 401 if none."""
    ip, agent = client_ip(request), request.headers.get("user-agent")
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("use 'Authorization: Bearer <token>'")
        return auth.Credentials("token", token.strip(), ip, agent)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        check_csrf(request)
        return auth.Credentials("session", cookie, ip, agent)
    raise Unauthenticated("authentication required: send an API token or log in")


def get_actor(request: Request, session: SessionDep) -> Actor:
    """Who is calling: a Bearer API token, or a browser session cookie (with CSRF checks on writes)."""
    key: bytes = request.app.state.secret
    header = request.headers.get("authorization", "")
    ip, agent = client_ip(request), request.headers.get("user-agent")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("use 'Authorization: Bearer <token>'")
        return auth.actor_from_token(session=session, key=key, token=token.strip(), ip=ip, user_agent=agent)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        check_csrf(request)
        return auth.actor_from_session(session=session, key=key, token=cookie, ip=ip, user_agent=agent)
    raise Unauthenticated("authentication required: send an API token or log in")


CurrentActor = Annotated[Actor, Depends(get_actor)]


def project_in_path(
    session: SessionDep, actor: CurrentActor, project_id: Annotated[int, Path(ge=1, le=2**63 - 1)]
) -> Project:
    """The project named in the URL, inside the caller's organization (404 otherwise)."""
    return get_project(session=session, actor=actor, project_id=project_id)


ProjectDep = Annotated[Project, Depends(project_in_path)]
