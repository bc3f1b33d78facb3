"""Projects on a server: ``project list|create|show`` and ``status``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.table import Table

from assay.cli._output import friendly_errors, out
from assay.cli.remote import DEFAULT_URL, Token, Url, connect
from assay.schema import DEFAULT_TEXT_SCHEMA

project_app = typer.Typer(help="Projects on a server: list, create, show.", no_args_is_help=True)

ProjectId = Annotated[int, typer.Argument(help="The project's id (see `assay project list`).")]


@project_app.command("list")
@friendly_errors
def list_projects(
    url: Url = DEFAULT_URL,
    token: Token = None,
    archived: Annotated[bool, typer.Option(help="Include archived projects.")] = False,
) -> None:
    """List the projects of your organization."""
    table = Table("id", "name", "overlap", "schema v", "created", "archived")
    for project in connect(url, token).projects(include_archived=archived):
        table.add_row(str(project.id), project.name, str(project.overlap), str(project.schema_version),
                      f"{project.created_at:%Y-%m-%d}", "yes" if project.archived_at else "")
    out.print(table)


@project_app.command("create")
@friendly_errors
def create_project(
    name: Annotated[str, typer.Option(help="Project name, unique in the organization.")],
    schema: Annotated[Path | None, typer.Option(exists=True, dir_okay=False, readable=True,
                                                help="Label schema file (YAML or JSON); default: text sentiment "
                                                     "and entities.")] = None,
    guidelines: Annotated[Path | None, typer.Option(exists=True, dir_okay=False, readable=True,
                                                    help="Guidelines for annotators (Markdown file).")] = None,
    description: Annotated[str, typer.Option(help="One-paragraph description.")] = "",
    overlap: Annotated[int, typer.Option(min=1, help="Annotations wanted per item.")] = 1,
    lease_seconds: Annotated[int, typer.Option(min=10, help="How long an annotator holds an item.")] = 600,
    skill: Annotated[list[str] | None, typer.Option(help="A skill annotators need (repeat for more).")] = None,
    order: Annotated[str, typer.Option(help="Queue order: priority or random.")] = "priority",
    url: Url = DEFAULT_URL,
    token: Token = None,
) -> None:
    """Create a project from a schema file and a guidelines file."""
    project = connect(url, token).create_project(
        name,
        schema.read_text() if schema else DEFAULT_TEXT_SCHEMA.to_dict(),
        description=description,
        guidelines=guidelines.read_text() if guidelines else "",
        overlap=overlap,
        lease_seconds=lease_seconds,
        required_skills=skill or [],
        priority_order=order,  # type: ignore[arg-type]
    )
    out.print(f"Created project [bold]{project.id}[/bold]: {project.name}")


@project_app.command("show")
@friendly_errors
def show_project(project_id: ProjectId, url: Url = DEFAULT_URL, token: Token = None) -> None:
    """Show a project's settings and label schema."""
    project = connect(url, token).project(project_id)
    table = Table.grid(padding=(0, 2))
    for field in ("id", "name", "description", "overlap", "lease_seconds", "required_skills", "priority_order",
                  "schema_version", "guidelines_version", "created_at", "archived_at"):
        table.add_row(f"[bold]{field}[/bold]", str(getattr(project, field)))
    out.print(table)
    out.print("[bold]label_schema[/bold]")
    out.print(yaml.safe_dump(project.label_schema, sort_keys=False), markup=False)


@friendly_errors
def status(project_id: ProjectId, url: Url = DEFAULT_URL, token: Token = None) -> None:
    """Show a project's progress and each annotator's count and pace."""
    client = connect(url, token)
    progress = client.progress(project_id)
    share = f"{progress.annotations / progress.annotations_wanted:.0%}" if progress.annotations_wanted else "-"
    out.print(f"[bold]{progress.items}[/bold] items: {progress.done} done, {progress.in_progress} in progress, "
              f"{progress.not_started} not started; {progress.annotations}/{progress.annotations_wanted} "
              f"annotations ({share}), {progress.active_leases} leased now.")
    table = Table("annotator", "annotations", "median s/item", "last active")
    for row in client.annotators(project_id):
        median = f"{row.median_seconds:.1f}" if row.median_seconds is not None else "-"
        last = f"{row.last_active:%Y-%m-%d %H:%M}" if row.last_active else "-"
        table.add_row(row.name or row.email, str(row.annotations), median, last)
    out.print(table)
