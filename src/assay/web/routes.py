"""Browser pages: thin server-rendered shells whose ES modules call the REST API with the session cookie.

Each page only checks that the browser has a live session (otherwise it redirects to /login); what the
caller may see or do is decided by the API the page's script calls, so there is one source of truth.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from assay import __version__
from assay.api.deps import SESSION_COOKIE, SessionDep, client_ip
from assay.errors import Unauthenticated
from assay.security.policies import Actor
from assay.services import auth

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")

# No inline script or style anywhere; images may come from item payloads served over https.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: https:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
PAGE_HEADERS = {"Content-Security-Policy": CSP, "Cache-Control": "no-store"}

ProjectId = Annotated[int, PathParam(ge=1, le=2**63 - 1)]


def _actor(request: Request, session: SessionDep) -> Actor | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    try:
        return auth.actor_from_session(session=session, key=request.app.state.secret, token=cookie,
                                       ip=client_ip(request), user_agent=request.headers.get("user-agent"))
    except Unauthenticated:
        return None


def _safe_next(target: str | None) -> str:
    # Only same-site paths, so /login?next=... can't bounce a user to another site.
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


def _page(request: Request, template: str, **context: object) -> HTMLResponse:
    return templates.TemplateResponse(request, template, {"version": __version__, **context},
                                      headers=PAGE_HEADERS)


def _to_login(request: Request) -> RedirectResponse:
    target = quote(request.url.path, safe="/")
    return RedirectResponse(f"/login?next={target}", status_code=303, headers={"Cache-Control": "no-store"})


def login_page(
    request: Request, session: SessionDep, next_page: Annotated[str | None, Query(alias="next")] = None
) -> Response:
    """The log-in form; already logged-in visitors go straight on."""
    target = _safe_next(next_page)
    if _actor(request, session) is not None:
        return RedirectResponse(target, status_code=303)
    return _page(request, "login.html", next=target, title="Log in")


def projects_page(request: Request, session: SessionDep) -> Response:
    """Projects of the caller's organization."""
    if (actor := _actor(request, session)) is None:
        return _to_login(request)
    return _page(request, "projects.html", actor=actor, title="Projects")


def label_page(project_id: ProjectId, request: Request, session: SessionDep) -> Response:
    """The labeling workspace for one project."""
    if (actor := _actor(request, session)) is None:
        return _to_login(request)
    return _page(request, "label.html", actor=actor, project_id=project_id, title="Label")


def manage_page(project_id: ProjectId, request: Request, session: SessionDep) -> Response:
    """Progress and annotator pace for one project (the API refuses callers below reviewer)."""
    if (actor := _actor(request, session)) is None:
        return _to_login(request)
    return _page(request, "manage.html", actor=actor, project_id=project_id, title="Manage")


def leaderboard_page(project_id: ProjectId, request: Request, session: SessionDep) -> Response:
    """Ratings with 95% intervals, plotted, and the win-rate matrix of an evaluation project."""
    if (actor := _actor(request, session)) is None:
        return _to_login(request)
    return _page(request, "leaderboard.html", actor=actor, project_id=project_id, title="Leaderboard")


def quality_page(project_id: ProjectId, request: Request, session: SessionDep) -> Response:
    """Agreement, annotator accuracy and confusion plots for one project (the API refuses below reviewer)."""
    if (actor := _actor(request, session)) is None:
        return _to_login(request)
    return _page(request, "quality.html", actor=actor, project_id=project_id, title="Quality")


def jobs_page(project_id: ProjectId, request: Request, session: SessionDep) -> Response:
    """A project's background jobs with progress, failures, cancel and resume (the API refuses below manager)."""
    if (actor := _actor(request, session)) is None:
        return _to_login(request)
    return _page(request, "jobs.html", actor=actor, project_id=project_id, title="Jobs")


def install(app: FastAPI) -> None:
    """Mount the workspace pages and static files on ``app``."""
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for path, page in (("/login", login_page), ("/", projects_page),
                       ("/projects/{project_id}/label", label_page),
                       ("/projects/{project_id}/manage", manage_page),
                       ("/projects/{project_id}/quality", quality_page),
                       ("/projects/{project_id}/leaderboard", leaderboard_page),
                       ("/projects/{project_id}/jobs", jobs_page)):
        app.add_api_route(path, page, methods=["GET"], include_in_schema=False, response_class=HTMLResponse)
