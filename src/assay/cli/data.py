"""Moving data to and from a server: ``import`` and ``export``, with progress bars on bytes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn
from rich.table import Table

from assay.cli._output import err, fail, friendly_errors, out
from assay.cli.projects import ProjectId
from assay.cli.remote import DEFAULT_URL, Token, Url, connect
from assay.sdk import ImportRejected

MAX_ROWS_SHOWN = 50


@contextmanager
def byte_progress(label: str) -> Iterator[Callable[[int, int | None], None]]:
    """A Rich progress bar on stderr, and the ``progress(done, total)`` callback that drives it."""
    with Progress(TextColumn(label), BarColumn(), DownloadColumn(), TransferSpeedColumn(), console=err,
                  transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _rejection_table(error: ImportRejected) -> Table:
    details = error.details or {}
    rows = details.get("errors", [])
    table = Table("line", "field", "problem", title=f"{details.get('error_count', len(rows))} problem(s)")
    for row in rows[:MAX_ROWS_SHOWN]:
        table.add_row(str(row.get("line")), str(row.get("field")), str(row.get("msg")))
    if len(rows) > MAX_ROWS_SHOWN:
        table.caption = f"first {MAX_ROWS_SHOWN} shown"
    return table


@friendly_errors
def import_items(
    project_id: ProjectId,
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                         help="JSONL, CSV, TSV or Parquet file.")],
    format: Annotated[str | None, typer.Option(help="jsonl, csv, tsv or parquet (default: from the file name).")]
    = None,
    url: Url = DEFAULT_URL,
    token: Token = None,
) -> None:
    """Upload a file of items into a project; any bad row rejects the whole file."""
    client = connect(url, token)
    try:
        with byte_progress("Uploading") as progress:
            report = client.import_items(project_id, path, format=format, progress=progress)
    except ImportRejected as error:
        err.print(_rejection_table(error))
        raise fail(error.message) from None
    out.print(f"Imported [bold]{report.created}[/bold] new items from {report.rows} rows "
              f"({report.duplicates} duplicates skipped).")


@friendly_errors
def export(
    project_id: ProjectId,
    dest: Annotated[Path, typer.Argument(dir_okay=False, help="File to write.")],
    format: Annotated[Literal["jsonl", "parquet"] | None, typer.Option(
        help="jsonl or parquet (default: from DEST's extension, else jsonl).")] = None,
    status: Annotated[Literal["all", "complete", "incomplete", "annotated", "unannotated"], typer.Option(
        help="Which items to export.")] = "all",
    since: Annotated[datetime | None, typer.Option(help="Only annotations made at or after this time.")] = None,
    until: Annotated[datetime | None, typer.Option(help="Only annotations made before this time.")] = None,
    url: Url = DEFAULT_URL,
    token: Token = None,
) -> None:
    """Download a project's items with their annotations."""
    fmt = format or ("parquet" if dest.suffix == ".parquet" else "jsonl")
    client = connect(url, token)
    with byte_progress("Downloading") as progress:
        written = client.export(project_id, dest, format=fmt, status=status, since=since, until=until,
                                progress=progress)
    out.print(f"Wrote {written:,} bytes to {dest}")
