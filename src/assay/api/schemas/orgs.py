"""Organizations, members, tokens, users."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from assay.api.schemas.common import Public, Strict
from assay.security.roles import Role


class OrgCreate(Strict):
    name: str = Field(min_length=1, max_length=200)


class OrgPublic(Public):
    id: int
    name: str
    slug: str
    created_at: datetime
    role: str | None = None


class MemberCreate(Strict):
    email: str = Field(min_length=3, max_length=320)
    role: Role = "annotator"
    name: str = Field("", max_length=200)
    skills: list[str] = Field(default_factory=list, max_length=100)
    password: str | None = Field(None, min_length=10, max_length=200)


class MemberUpdate(Strict):
    role: Role | None = None
    skills: list[str] | None = Field(None, max_length=100)


class MemberPublic(Public):
    user_id: int
    email: str
    name: str
    role: str
    skills: list[str]
    joined_at: datetime


class MemberCreated(MemberPublic):
    password: str | None = Field(None, description="Generated password for a new account, shown only once.")


class TokenCreate(Strict):
    name: str = Field(min_length=1, max_length=200)


class TokenPublic(Public):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenPublic):
    token: str = Field(description="The secret token; shown only once.")


class LoginRequest(Strict):
    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=200)


class SwitchOrg(Strict):
    org_id: int


class MePublic(Public):
    user_id: int
    email: str
    name: str
    org_id: int
    role: str
    skills: list[str]


class AuditEventPublic(Public):
    id: int
    actor_id: int | None
    action: str
    object_type: str
    object_id: str | None
    ip: str | None
    user_agent: str | None
    details: dict
    created_at: datetime
