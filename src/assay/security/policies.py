"""Who may do what: small functions of (actor, object), one per resource, each raising PermissionDenied.

Objects reach these functions only after being loaded inside the actor's organization, so a foreign
object is already a 404; a 403 here means "you can see it but may not do this".
"""

from __future__ import annotations

from dataclasses import dataclass

from assay.errors import PermissionDenied
from assay.security.roles import Role, role_at_least


@dataclass(frozen=True, slots=True)
class Actor:
    """The caller of a request: user, organization, role, skills, and where the request came from."""

    user_id: int
    org_id: int
    role: str
    email: str = ""
    skills: tuple[str, ...] = ()
    token_id: int | None = None
    ip: str | None = None
    user_agent: str | None = None


def _require(actor: Actor, minimum: Role, action: str) -> None:
    if not role_at_least(actor.role, minimum):
        raise PermissionDenied(f"{action} needs the {minimum} role or higher; you are {actor.role}")


class OrgPolicy:
    """Organization settings and membership."""

    @staticmethod
    def manage_members(actor: Actor) -> None:
        _require(actor, "admin", "managing members")

    @staticmethod
    def grant_role(actor: Actor, role: str) -> None:
        _require(actor, "admin", "managing members")
        if role == "owner" and actor.role != "owner":
            raise PermissionDenied("only an owner can make another owner")

    @staticmethod
    def read_audit(actor: Actor) -> None:
        _require(actor, "admin", "reading the audit log")


class ProjectPolicy:
    """Projects: everyone in the organization sees them; managers change them."""

    @staticmethod
    def read(actor: Actor) -> None:
        _require(actor, "annotator", "reading projects")

    @staticmethod
    def manage(actor: Actor) -> None:
        _require(actor, "manager", "changing projects")

    @staticmethod
    def monitor(actor: Actor) -> None:
        _require(actor, "reviewer", "viewing project progress")


class ItemPolicy:
    """Items: managers import and export; reviewers browse; annotators only through their leases."""

    @staticmethod
    def browse(actor: Actor, private: bool = False) -> None:
        if private:
            _require(actor, "manager", "browsing a private prompt set")
        _require(actor, "reviewer", "browsing items")

    @staticmethod
    def import_(actor: Actor) -> None:
        _require(actor, "manager", "importing items")

    @staticmethod
    def export(actor: Actor) -> None:
        _require(actor, "manager", "exporting data")


class QueuePolicy:
    """Labeling: every member may label, if they carry the project's required skills."""

    @staticmethod
    def label(actor: Actor, required_skills: list[str]) -> None:
        _require(actor, "annotator", "labeling")
        missing = sorted(set(required_skills) - set(actor.skills))
        if missing:
            raise PermissionDenied(f"this project needs the skills {', '.join(missing)}", details=missing)


class QualityPolicy:
    """Quality: reviewers and up read figures and review; managers set gold and reinstate annotators."""

    @staticmethod
    def read(actor: Actor) -> None:
        _require(actor, "reviewer", "viewing quality figures")

    @staticmethod
    def review(actor: Actor) -> None:
        _require(actor, "reviewer", "reviewing annotations")

    @staticmethod
    def manage_gold(actor: Actor) -> None:
        _require(actor, "manager", "managing gold answers")

    @staticmethod
    def manage_annotators(actor: Actor) -> None:
        _require(actor, "manager", "pausing or reinstating annotators")


class TokenPolicy:
    """API tokens belong to their user; admins may revoke anyone's in their organization."""

    @staticmethod
    def revoke(actor: Actor, owner_id: int) -> None:
        if owner_id != actor.user_id:
            _require(actor, "admin", "revoking another member's token")


class ResponsePolicy:
    """Model responses and the jobs that make them: managers only (annotators see anonymised task payloads)."""

    @staticmethod
    def manage(actor: Actor) -> None:
        _require(actor, "manager", "managing model responses")


class JobPolicy:
    """Background jobs: managers start, watch and cancel them."""

    @staticmethod
    def manage(actor: Actor) -> None:
        _require(actor, "manager", "managing jobs")
