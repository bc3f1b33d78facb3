"""Organizations, their members and their audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response

from assay.api.deps import CurrentActor, SessionDep, SettingsDep
from assay.api.schemas.common import Page
from assay.api.schemas.orgs import (
    AuditEventPublic,
    MemberCreate,
    MemberCreated,
    MemberPublic,
    MemberUpdate,
    OrgCreate,
    OrgPublic,
)
from assay.db.models import Membership, User
from assay.security.policies import OrgPolicy
from assay.services import audit, orgs

router = APIRouter(tags=["organizations"])


def _member(membership: Membership, user: User) -> MemberPublic:
    return MemberPublic(
        user_id=user.id,
        email=user.email,
        name=user.name,
        role=membership.role,
        skills=membership.skills or [],
        joined_at=membership.created_at,
    )


@router.get("/orgs", response_model=list[OrgPublic])
def list_orgs(actor: CurrentActor, session: SessionDep):
    """Organizations you belong to, with your role in each."""
    return [
        OrgPublic.model_validate(org).model_copy(update={"role": role})
        for org, role in orgs.list_orgs(session=session, user_id=actor.user_id)
    ]


@router.post("/orgs", response_model=OrgPublic, status_code=201)
def create_org(body: OrgCreate, actor: CurrentActor, session: SessionDep):
    """Create an organization; you become its owner (switch to it, or make a token in it, to work there)."""
    user = session.get(User, actor.user_id)
    org = orgs.create_org(session=session, name=body.name, owner=user, actor=actor)
    return OrgPublic.model_validate(org).model_copy(update={"role": "owner"})


@router.get("/org", response_model=OrgPublic)
def current_org(actor: CurrentActor, session: SessionDep):
    """The organization your credential works in."""
    org = orgs.get_org(session=session, org_id=actor.org_id)
    return OrgPublic.model_validate(org).model_copy(update={"role": actor.role})


@router.get("/members", response_model=list[MemberPublic])
def list_members(actor: CurrentActor, session: SessionDep):
    """Members of your organization."""
    return [_member(m, u) for m, u in orgs.list_members(session=session, org_id=actor.org_id)]


@router.post("/members", response_model=MemberCreated, status_code=201)
def add_member(body: MemberCreate, actor: CurrentActor, session: SessionDep):
    """Add someone by e-mail with a role and skills; a new account gets a generated password, shown once."""
    membership, user, generated = orgs.add_member(
        session=session,
        actor=actor,
        email=body.email,
        role=body.role,
        name=body.name,
        skills=body.skills,
        password=body.password,
    )
    return MemberCreated(**_member(membership, user).model_dump(), password=generated)


@router.get("/members/{user_id}", response_model=MemberPublic)
def get_member(user_id: int, actor: CurrentActor, session: SessionDep):
    """One member of your organization."""
    return _member(*orgs.get_member(session=session, org_id=actor.org_id, user_id=user_id))


@router.patch("/members/{user_id}", response_model=MemberPublic)
def update_member(user_id: int, body: MemberUpdate, actor: CurrentActor, session: SessionDep):
    """Change a member's role or skills."""
    membership, user = orgs.update_member(
        session=session, actor=actor, user_id=user_id, role=body.role, skills=body.skills
    )
    return _member(membership, user)


@router.delete("/members/{user_id}", status_code=204)
def remove_member(user_id: int, actor: CurrentActor, session: SessionDep) -> Response:
    """Remove a member from your organization (their annotations stay)."""
    orgs.remove_member(session=session, actor=actor, user_id=user_id)
    return Response(status_code=204)


@router.get("/audit", response_model=Page[AuditEventPublic])
def audit_log(
    actor: CurrentActor,
    session: SessionDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1)] = 100,
    before: int | None = None,
    action: str | None = None,
    since: datetime | None = None,
):
    """The organization's audit log, newest first (admins)."""
    OrgPolicy.read_audit(actor)
    limit = min(limit, settings.page_size_max)
    events = audit.list_events(
        session=session, org_id=actor.org_id, limit=limit, before_id=before, action=action, since=since
    )
    cursor = events[-1].id if len(events) == limit else None
    return Page[AuditEventPublic](items=events, next_cursor=cursor)
