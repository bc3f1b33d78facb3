"""Projects: label schema (versioned), guidelines (versioned) and queue settings."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Connection, func, select, update
from sqlalchemy.orm import Session

from assay.db.models import Item, ItemGold, Project, ProjectSchema, utcnow
from assay.errors import Conflict, NotFound
from assay.schema import LabelSchema, load_schema
from assay.security.policies import Actor, ProjectPolicy
from assay.services import audit


def get_project(*, session: Session, actor: Actor, project_id: int) -> Project:
    """The project if it lies in the actor's organization; NotFound for unknown and foreign ids alike."""
    project = session.scalar(select(Project).where(Project.id == project_id, Project.org_id == actor.org_id))
    if project is None:
        raise NotFound(f"project {project_id} not found")
    ProjectPolicy.read(actor)
    return project


def list_projects(*, session: Session, actor: Actor, include_archived: bool = False) -> list[Project]:
    """Projects of the actor's organization, newest first."""
    ProjectPolicy.read(actor)
    query = select(Project).where(Project.org_id == actor.org_id)
    if not include_archived:
        query = query.where(Project.archived_at.is_(None))
    return list(session.scalars(query.order_by(Project.id.desc())))


# Schema versions never change once written, so each process parses a version once (per database).
_schemas: dict[tuple[Any, int, int], LabelSchema] = {}


def _database(session: Session | Connection) -> Any:
    bind = session if isinstance(session, Connection) else session.get_bind()
    return bind.engine.url  # a Session may be bound to an Engine or to a Connection


def schema_of(*, session: Session | Connection, project: Any, version: int | None = None) -> LabelSchema:
    """The project's label schema at ``version`` (current by default); parsed once per process."""
    version = version or project.schema_version
    database = _database(session)
    cached = _schemas.get((database, project.id, version))
    if cached is not None:
        return cached
    definition = session.scalar(
        select(ProjectSchema.definition).where(
            ProjectSchema.project_id == project.id, ProjectSchema.version == version
        )
    )
    return remember_schema(database, project.id, version, definition)


def cached_schema(database: Any, project_id: int, version: int) -> LabelSchema | None:
    """The parsed schema if this process has seen that version of that database's project already."""
    return _schemas.get((database, project_id, version))


def remember_schema(database: Any, project_id: int, version: int, definition: Any) -> LabelSchema:
    """Parse a stored schema definition (JSON text or dict) once and keep it; NotFound when missing."""
    if definition is None:
        raise NotFound(f"schema version {version} not found")
    if isinstance(definition, str | bytes):
        definition = orjson.loads(definition)
    if len(_schemas) > 4096:
        _schemas.clear()
    _schemas[(database, project_id, version)] = schema = load_schema(definition)
    return schema


def schema_versions(*, session: Session, project: Project) -> list[ProjectSchema]:
    """Every version of the project's schema, oldest first."""
    return list(
        session.scalars(
            select(ProjectSchema)
            .where(ProjectSchema.project_id == project.id)
            .order_by(ProjectSchema.version)
        )
    )


def create_project(*, session: Session, actor: Actor, data: dict[str, Any]) -> Project:
    """Create a project from validated fields (``schema`` is a dict, JSON or YAML text)."""
    ProjectPolicy.manage(actor)
    schema = load_schema(data.pop("label_schema"))
    _unique_name(session, actor.org_id, data["name"])
    project = Project(org_id=actor.org_id, created_by=actor.user_id, schema_version=1, **data)
    from assay.services.quality import check_settings

    check_settings(project)
    session.add(project)
    session.flush()
    session.add(
        ProjectSchema(project_id=project.id, version=1, definition=schema.to_dict(), created_by=actor.user_id)
    )
    audit.record(
        session,
        actor=actor,
        action="project.create",
        object_type="project",
        object_id=project.id,
        details={"name": project.name},
    )
    session.commit()
    return project


def update_project(*, session: Session, actor: Actor, project: Project, data: dict[str, Any]) -> Project:
    """Change settings; a new schema or guidelines text makes a new version, old annotations keep theirs."""
    ProjectPolicy.manage(actor)
    changes: dict[str, Any] = {}
    if "label_schema" in data:
        schema = load_schema(data.pop("label_schema")).to_dict()
        if schema != schema_of(session=session, project=project).to_dict():
            project.schema_version += 1
            session.add(
                ProjectSchema(
                    project_id=project.id,
                    version=project.schema_version,
                    definition=schema,
                    created_by=actor.user_id,
                )
            )
            changes["schema_version"] = project.schema_version
    if "guidelines" in data and data["guidelines"] != project.guidelines:
        project.guidelines_version += 1
        changes["guidelines_version"] = project.guidelines_version
    if "name" in data and data["name"] != project.name:
        _unique_name(session, actor.org_id, data["name"])
    for field, value in data.items():
        if getattr(project, field) != value:
            changes[field] = value if field != "guidelines" else "(changed)"
            setattr(project, field, value)
    from assay.services.quality import check_settings, settings_changed

    check_settings(project)
    if "overlap" in data:
        # Items already labeled enough stay complete; raising the overlap reopens them. Gold items stay out.
        session.execute(
            update(Item)
            .where(Item.project_id == project.id, ~select(ItemGold.item_id).where(ItemGold.item_id == Item.id).exists())
            .values(complete=Item.n_done >= project.overlap + Item.extra_overlap)
        )
    settings_changed(session, project, changes)
    project.updated_at = utcnow()
    audit.record(
        session,
        actor=actor,
        action="project.update",
        object_type="project",
        object_id=project.id,
        details=changes,
    )
    session.commit()
    return project


def archive_project(*, session: Session, actor: Actor, project: Project) -> Project:
    """Archive a project: hidden from lists, its queue closed, its data kept."""
    ProjectPolicy.manage(actor)
    project.archived_at = utcnow()
    audit.record(session, actor=actor, action="project.archive", object_type="project", object_id=project.id)
    session.commit()
    return project


def _unique_name(session: Session, org_id: int, name: str) -> None:
    taken = session.scalar(select(func.count()).where(Project.org_id == org_id, Project.name == name))
    if taken:
        raise Conflict(f"a project named '{name}' already exists")
