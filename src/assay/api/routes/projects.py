"""Projects: create, read, update (schema and guidelines versioned), archive, progress."""

from __future__ import annotations

from fastapi import APIRouter

from assay.api.deps import CurrentActor, ProjectDep, SessionDep
from assay.api.schemas.projects import (
    AnnotatorStatsPublic,
    ProgressPublic,
    ProjectCreate,
    ProjectPublic,
    ProjectUpdate,
    SchemaVersionPublic,
)
from assay.api.schemas.quality_settings import NULLABLE_SETTINGS
from assay.db.models import Project
from assay.security.policies import ProjectPolicy
from assay.services import progress, projects

router = APIRouter(tags=["projects"])


def _public(session, project: Project) -> ProjectPublic:  # type: ignore[no-untyped-def]
    schema = projects.schema_of(session=session, project=project)
    return ProjectPublic.model_validate(
        {
            **{c: getattr(project, c) for c in ProjectPublic.model_fields if c != "label_schema"},
            "label_schema": schema.to_dict(),
        }
    )


@router.get("/projects", response_model=list[ProjectPublic])
def list_projects(actor: CurrentActor, session: SessionDep, include_archived: bool = False):
    """Projects of your organization."""
    return [
        _public(session, p)
        for p in projects.list_projects(session=session, actor=actor, include_archived=include_archived)
    ]


@router.post("/projects", response_model=ProjectPublic, status_code=201)
def create_project(body: ProjectCreate, actor: CurrentActor, session: SessionDep):
    """Create a project with a label schema, guidelines and queue settings (managers)."""
    project = projects.create_project(session=session, actor=actor, data=body.model_dump())
    return _public(session, project)


@router.get("/projects/{project_id}", response_model=ProjectPublic)
def get_project(project: ProjectDep, session: SessionDep):
    """One project, with its current schema."""
    return _public(session, project)


@router.patch("/projects/{project_id}", response_model=ProjectPublic)
def update_project(body: ProjectUpdate, project: ProjectDep, actor: CurrentActor, session: SessionDep):
    """Change a project; a changed schema or guidelines text gets a new version number."""
    data = body.model_dump(exclude_unset=True)
    data = {k: v for k, v in data.items() if v is not None or k in NULLABLE_SETTINGS}
    project = projects.update_project(session=session, actor=actor, project=project, data=data)
    return _public(session, project)


@router.delete("/projects/{project_id}", response_model=ProjectPublic)
def archive_project(project: ProjectDep, actor: CurrentActor, session: SessionDep):
    """Archive a project: its queue closes, its data stays."""
    return _public(session, projects.archive_project(session=session, actor=actor, project=project))


@router.get("/projects/{project_id}/schemas", response_model=list[SchemaVersionPublic])
def schema_versions(project: ProjectDep, session: SessionDep):
    """Every version of the project's label schema."""
    return projects.schema_versions(session=session, project=project)


@router.get("/projects/{project_id}/progress", response_model=ProgressPublic)
def project_progress(project: ProjectDep, actor: CurrentActor, session: SessionDep):
    """Items done, in progress and remaining (reviewers and up)."""
    ProjectPolicy.monitor(actor)
    return progress.project_progress(session=session, project=project)


@router.get("/projects/{project_id}/annotators", response_model=list[AnnotatorStatsPublic])
def annotators(project: ProjectDep, actor: CurrentActor, session: SessionDep):
    """Per annotator: annotations, median seconds per item, last active (reviewers and up)."""
    return progress.annotator_stats(session=session, actor=actor, project=project)


@router.get("/projects/{project_id}/annotators/me", response_model=AnnotatorStatsPublic)
def my_stats(project: ProjectDep, actor: CurrentActor, session: SessionDep):
    """Your own count and pace in this project."""
    return progress.annotator_stats(session=session, actor=actor, project=project, user_id=actor.user_id)[0]
