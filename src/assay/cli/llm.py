"""LLM data from the command line: ``generate`` (run here, with a progress bar), ``jobs``, ``compare`` and
``export-training``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Literal

import typer
from pydantic import ValidationError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from assay.cli._output import err, fail, friendly_errors, out
from assay.cli.data import byte_progress
from assay.cli.local import migrate, owner_actor
from assay.cli.projects import ProjectId
from assay.cli.remote import DEFAULT_URL, Token, Url, connect
from assay.db.models import Organization, Project
from assay.errors import NotFound
from assay.settings import Settings

jobs_app = typer.Typer(
    help="Background jobs: run them here; list, show, cancel and resume them on a server.",
    no_args_is_help=True,
)

JobId = Annotated[int, typer.Argument(help="The job's id (see `assay jobs list`).")]


@friendly_errors
def generate(
    project_id: ProjectId,
    model: Annotated[
        str, typer.Option(help="Model name sent to the backend and stored (hf: default the folder's name).")
    ] = "",
    base_url: Annotated[
        str | None, typer.Option(help="OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1.")
    ] = None,
    backend: Annotated[
        Literal["openai", "hf"],
        typer.Option(
            help="openai: an OpenAI-compatible server; hf: a local Hugging Face model (--model-path)."
        ),
    ] = "openai",
    model_path: Annotated[
        Path | None,
        typer.Option(
            file_okay=False, help="hf: folder with the model and tokenizer (nothing is downloaded)."
        ),
    ] = None,
    model_version: Annotated[str, typer.Option(help="Version label stored with the responses.")] = "",
    temperature: Annotated[
        float | None, typer.Option(help="Sampling temperature (backend default if unset; hf: 0 is greedy).")
    ] = None,
    max_tokens: Annotated[int | None, typer.Option(help="Longest answer, in tokens.")] = None,
    seed: Annotated[int | None, typer.Option(help="hf: seed that makes sampling reproducible.")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds per call before it counts as timed out.")] = 60.0,
    max_retries: Annotated[int, typer.Option(help="Retries per item, with exponential backoff.")] = 3,
    concurrency: Annotated[int, typer.Option(help="openai: calls in flight at once.")] = 4,
    batch_size: Annotated[int, typer.Option(help="hf: conversations generated together.")] = 8,
    limit: Annotated[int | None, typer.Option(help="Handle at most this many items.")] = None,
    api_key: Annotated[
        str | None,
        typer.Option(
            envvar="OPENAI_API_KEY",
            show_default=False,
            help="API key (or OPENAI_API_KEY); kept in memory only.",
        ),
    ] = None,
    allow_loopback: Annotated[
        bool, typer.Option(help="Allow a backend on this machine (127.0.0.1, localhost).")
    ] = False,
) -> None:
    """Fill model responses for a project's items now, in this process, against the local database."""
    settings = Settings()
    if allow_loopback:
        settings = settings.model_copy(update={"backend_allow_loopback": True})
    folder = str(model_path.expanduser().resolve()) if model_path is not None else None
    if folder is not None:  # this process is the user's own: it may load any folder they name
        roots = ",".join(filter(None, (settings.local_model_dirs, folder)))
        settings = settings.model_copy(update={"local_model_dirs": roots})
    from sqlalchemy.orm import Session

    from assay.jobs import run_job
    from assay.services.generate import GenerateParams, start_generate

    by_backend = (
        {"seed": seed, "batch_size": batch_size}
        if backend == "hf"
        else {"concurrency": concurrency, "timeout": timeout}
    )
    try:
        params = GenerateParams(
            backend=backend,
            model=model,
            model_version=model_version,
            base_url=base_url,
            model_path=folder,
            temperature=temperature,
            max_tokens=max_tokens,
            max_retries=max_retries,
            limit=limit,
            **by_backend,
        )
    except ValidationError as error:
        first = error.errors()[0]
        where = f"{first['loc'][0]}: " if first["loc"] else ""
        raise fail(f"invalid option: {where}{first['msg']}") from None
    engine = migrate(settings)
    try:
        with Session(engine, expire_on_commit=False) as session:
            project = session.get(Project, project_id)
            if project is None:
                raise NotFound(f"project {project_id} not found")
            org = session.get(Organization, project.org_id)
            assert org is not None
            job = start_generate(
                session=session,
                actor=owner_actor(session, org),
                project=project,
                params=params,
                settings=settings,
            )
        columns = (
            TextColumn("[bold]Generating[/bold]"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[failed]} failed"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=err, transient=True) as bar:
            task = bar.add_task("generate", total=None, failed=0)

            def show(done: int, total: int | None, failed: int) -> None:
                bar.update(task, completed=done, total=total, failed=failed)

            final = run_job(
                engine,
                job.id,
                secrets={"api_key": api_key} if api_key else None,
                on_progress=show,
                settings=settings,
                stale_seconds=settings.job_stale_seconds,
            )
    finally:
        engine.dispose()
    if final is None:
        raise fail(f"job {job.id} was taken by another worker")
    result = final.result or {}
    out.print(
        f"Job {final.id} {final.status}: {result.get('generated', 0)} responses written, "
        f"{result.get('failed', 0)} failed, {result.get('already_present', 0)} already present."
    )
    if final.status != "done":
        raise fail(final.error or f"job {final.id} {final.status}")
    if result.get("failed"):
        err.print("Run the same command again to retry the failed items.")


@jobs_app.command("run")
@friendly_errors
def run_jobs(
    watch: Annotated[bool, typer.Option(help="Keep polling for new jobs until interrupted.")] = False,
) -> None:
    """Run queued jobs of the local database in this process (a worker beside or instead of the server's)."""
    from assay.jobs import run_pending

    settings = Settings()
    engine = migrate(settings)
    try:
        while True:
            for job in run_pending(engine, settings=settings, stale_seconds=settings.job_stale_seconds):
                out.print(f"job {job.id} ({job.kind}) {job.status}" + (f": {job.error}" if job.error else ""))
            if not watch:
                return
            time.sleep(settings.job_poll_seconds)
    finally:
        engine.dispose()


def _job_table(jobs) -> Table:  # type: ignore[no-untyped-def]
    table = Table("id", "kind", "project", "status", "done", "total", "failed", "created", "error")
    for job in jobs:
        table.add_row(
            str(job.id),
            job.kind,
            str(job.project_id or ""),
            job.status,
            str(job.progress_done),
            "" if job.progress_total is None else str(job.progress_total),
            str(job.progress_failed),
            f"{job.created_at:%Y-%m-%d %H:%M}",
            (job.error or "")[:60],
        )
    return table


@jobs_app.command("list")
@friendly_errors
def list_jobs(
    project: Annotated[int | None, typer.Option(help="Only this project's jobs.")] = None,
    url: Url = DEFAULT_URL,
    token: Token = None,
) -> None:
    """List recent jobs on a server, newest first."""
    out.print(_job_table(connect(url, token).jobs(project)))


@jobs_app.command("show")
@friendly_errors
def show_job(
    job_id: JobId,
    wait: Annotated[bool, typer.Option(help="Follow the job with a progress bar until it finishes.")] = False,
    url: Url = DEFAULT_URL,
    token: Token = None,
) -> None:
    """Show a job's status and progress."""
    client = connect(url, token)
    if wait:
        with Progress(
            TextColumn("[bold]{task.fields[status]}[/bold]"),
            BarColumn(),
            MofNCompleteColumn(),
            console=err,
            transient=True,
        ) as bar:
            task = bar.add_task("job", total=None, status="queued")
            job = client.wait_for_job(
                job_id,
                on_progress=lambda j: bar.update(
                    task, completed=j.progress_done, total=j.progress_total, status=j.status
                ),
            )
    else:
        job = client.job(job_id)
    out.print(_job_table([job]))


@jobs_app.command("cancel")
@friendly_errors
def cancel_job(job_id: JobId, url: Url = DEFAULT_URL, token: Token = None) -> None:
    """Cancel a queued or running job; responses already written are kept."""
    job = connect(url, token).cancel_job(job_id)
    out.print(f"Job {job.id} is {job.status}.")


@jobs_app.command("resume")
@friendly_errors
def resume_job(job_id: JobId, url: Url = DEFAULT_URL, token: Token = None) -> None:
    """Queue a failed or cancelled job again (or a done one with failed items); generate resumes."""
    job = connect(url, token).resume_job(job_id)
    out.print(f"Job {job.id} is {job.status} again.")


@friendly_errors
def compare(
    project_id: ProjectId,
    model: Annotated[list[str], typer.Option(help="A model to compare, 'name' or 'name@version' (repeat).")],
    source: Annotated[
        int | None, typer.Option(help="Project holding the prompts and responses (default: same).")
    ] = None,
    pairs: Annotated[int, typer.Option(help="Random pairs per prompt.")] = 1,
    all_pairs: Annotated[bool, typer.Option(help="Every pair of models per prompt.")] = False,
    seed: Annotated[int, typer.Option(help="Seed for pair choice and A/B order.")] = 0,
    url: Url = DEFAULT_URL,
    token: Token = None,
) -> None:
    """Create blind A/B comparison items from models' responses."""
    report = connect(url, token).make_comparisons(
        project_id, model, source_project_id=source, pairs_per_prompt=pairs, all_pairs=all_pairs, seed=seed
    )
    out.print(f"Created [bold]{report.created}[/bold] comparison items ({report.duplicates} already there).")


@friendly_errors
def export_training(
    project_id: ProjectId,
    dest: Annotated[Path, typer.Argument(dir_okay=False, help="File to write (.jsonl or .parquet).")],
    kind: Annotated[
        Literal["sft", "preferences", "ranking_pairs"],
        typer.Option(help="sft (messages), preferences (TRL prompt/chosen/rejected) or ranking_pairs."),
    ],
    format: Annotated[
        Literal["jsonl", "parquet"] | None,
        typer.Option(help="jsonl or parquet (default: from DEST's extension)."),
    ] = None,
    question: Annotated[
        str | None, typer.Option(help="Question to read (default: the first of the kind).")
    ] = None,
    url: Url = DEFAULT_URL,
    token: Token = None,
) -> None:
    """Download training data: SFT conversations or TRL preference pairs, loadable by Hugging Face datasets."""
    fmt = format or ("parquet" if dest.suffix == ".parquet" else "jsonl")
    with byte_progress("Downloading") as progress:
        written = connect(url, token).export_training(
            project_id, dest, kind, fmt, question=question, progress=progress
        )
    out.print(f"Wrote {written:,} bytes to {dest}")
