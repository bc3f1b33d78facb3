"""Logging in and out of the browser workspace, and who am I."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from assay.api.deps import SESSION_COOKIE, CurrentActor, SessionDep, SettingsDep, check_csrf, client_ip
from assay.api.schemas.orgs import LoginRequest, MePublic, SwitchOrg
from assay.services import auth
from assay.services.orgs import get_member

router = APIRouter(tags=["auth"])


@router.post("/auth/login", response_model=MePublic)
def login(
    body: LoginRequest, request: Request, response: Response, session: SessionDep, settings: SettingsDep
):
    """Log in with e-mail and password; sets an HttpOnly session cookie."""
    check_csrf(request)
    token, user, org_id = auth.login(
        session=session,
        key=request.app.state.secret,
        email=body.email,
        password=body.password,
        hours=settings.session_hours,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
    )
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(settings.session_hours * 3600),
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        path="/",
    )
    membership, _ = get_member(session=session, org_id=org_id, user_id=user.id)
    return MePublic(
        user_id=user.id,
        email=user.email,
        name=user.name,
        org_id=org_id,
        role=membership.role,
        skills=membership.skills,
    )


@router.post("/auth/logout", status_code=204)
def logout(request: Request, response: Response, session: SessionDep) -> Response:
    """End the browser session."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        check_csrf(request)
        auth.logout(session=session, key=request.app.state.secret, token=cookie)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/auth/switch-org", status_code=204)
def switch_org(body: SwitchOrg, request: Request, actor: CurrentActor, session: SessionDep) -> Response:
    """Point the browser session at another organization you belong to."""
    cookie = request.cookies.get(SESSION_COOKIE, "")
    auth.switch_org(
        session=session, key=request.app.state.secret, token=cookie, actor=actor, org_id=body.org_id
    )
    return Response(status_code=204)


@router.get("/me", response_model=MePublic)
def me(actor: CurrentActor, session: SessionDep):
    """The caller: user, current organization, role and skills."""
    membership, user = get_member(session=session, org_id=actor.org_id, user_id=actor.user_id)
    return MePublic(
        user_id=user.id,
        email=user.email,
        name=user.name,
        org_id=actor.org_id,
        role=membership.role,
        skills=membership.skills,
    )
