"""Factories that make organizations, members, tokens and projects for tests."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from assay.security.policies import Actor
from assay.services import auth, orgs

TEXT_SCHEMA: dict[str, Any] = {
    "inputs": [{"name": "text", "type": "text"}],
    "questions": [
        {"name": "sentiment", "kind": "single_choice", "options": ["positive", "negative", "neutral"]},
        {"name": "entities", "kind": "spans", "source": "text", "labels": ["PER", "ORG", "LOC"]},
    ],
}
SECRET = b"test-secret-" + b"x" * 40


@dataclass
class Member:
    """A person in a test organization, with their API token."""

    user_id: int
    email: str
    role: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        """Authorization headers for this member."""
        return {"Authorization": f"Bearer {self.token}"}

    def actor(self, org_id: int, skills: tuple[str, ...] = ()) -> Actor:
        """This member as a service-layer Actor."""
        return Actor(user_id=self.user_id, org_id=org_id, role=self.role, email=self.email, skills=skills)


@dataclass
class OrgWorld:
    """A test organization: its id, owner, an HTTP client, and helpers to add members and projects."""

    engine: Engine
    client: TestClient
    org_id: int
    owner: Member
    members: list[Member] = field(default_factory=list)

    @classmethod
    def create(cls, engine: Engine, client: TestClient, name: str) -> OrgWorld:
        with Session(engine, expire_on_commit=False) as session:
            user = orgs.create_user(
                session=session,
                email=f"owner-{secrets.token_hex(4)}@example.com",
                password="owner-password-123",
            )
            org = orgs.create_org(session=session, name=name, owner=user)
            actor = Actor(user_id=user.id, org_id=org.id, role="owner", email=user.email)
            _, token = auth.create_token(session=session, key=SECRET, actor=actor, name="test")
        return cls(engine, client, org.id, Member(user.id, user.email, "owner", token))

    def member(
        self, role: str = "annotator", skills: list[str] | None = None, password: str | None = None
    ) -> Member:
        """Add a member with ``role`` and ``skills``; returns them with a fresh API token."""
        owner = self.owner.actor(self.org_id)
        with Session(self.engine, expire_on_commit=False) as session:
            _, user, _ = orgs.add_member(
                session=session,
                actor=owner,
                email=f"{role}-{secrets.token_hex(5)}@example.com",
                role=role,
                skills=skills,
                password=password or "member-password-123",
            )
            actor = Actor(user_id=user.id, org_id=self.org_id, role=role, email=user.email)
            _, token = auth.create_token(session=session, key=SECRET, actor=actor, name="test")
        member = Member(user.id, user.email, role, token)
        self.members.append(member)
        return member

    def project(self, **overrides: Any) -> dict[str, Any]:
        """Create a project through the API as the owner; returns its JSON."""
        body = {"name": f"project-{secrets.token_hex(4)}", "label_schema": TEXT_SCHEMA, **overrides}
        response = self.client.post("/api/v1/projects", json=body, headers=self.owner.headers)
        assert response.status_code == 201, response.text
        return response.json()

    def add_items(self, project_id: int, rows: list[dict[str, Any]]) -> dict[str, Any]:
        """Add items through the API as the owner."""
        response = self.client.post(
            f"/api/v1/projects/{project_id}/items", json={"items": rows}, headers=self.owner.headers
        )
        assert response.status_code == 201, response.text
        return response.json()

    def texts(self, project_id: int, n: int, prefix: str = "text") -> dict[str, Any]:
        """Add ``n`` distinct text items."""
        return self.add_items(project_id, [{"text": f"{prefix} number {i}"} for i in range(n)])
