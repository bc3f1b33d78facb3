"""``assay quality``: agreement, annotator accuracy with intervals, confusion, disagreements; refresh and
reinstate."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from assay.cli._output import friendly_errors, out
from assay.cli.remote import DEFAULT_URL, Token, Url, connect

quality_app = typer.Typer(
    help="Quality of a project: agreement, annotator accuracy, confusion, disagreements.",
    no_args_is_help=True,
)

ProjectId = Annotated[int, typer.Argument(help="The project's id (see `assay project list`).")]


def _num(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _agreement(figures: Any) -> str:
    """The kind's agreement figure: shared answers, span/relation F1, Kendall τ or free-text likeness."""
    if figures.percent_agreement is not None:
        return f"{figures.percent_agreement:.2f}"
    for name, label in (("f1", "F1"), ("kendall_tau", "τ"), ("text_similarity", "sim")):
        value = getattr(figures, name, None)
        if value is not None:
            return f"{label} {value:.2f}"
    return "-"


def _rate(rate: Any) -> str:
    if rate.count == 0:
        return "-"
    return f"{rate.accuracy:.0%} [{rate.low:.0%}, {rate.high:.0%}] n={rate.count}"


@quality_app.command("show")
@friendly_errors
def show(project_id: ProjectId, url: Url = DEFAULT_URL, token: Token = None) -> None:
    """Show agreement per question and each annotator's accuracy with 95% intervals."""
    client = connect(url, token)
    summary = client.quality(project_id)
    when = f"{summary.refreshed_at:%Y-%m-%d %H:%M}" if summary.refreshed_at else "never"
    out.print(
        f"[bold]{escape(summary.method)}[/bold] consensus over {summary.annotations} annotations of "
        f"{summary.items} items by {summary.annotators} annotators; {summary.gold_items} gold items "
        f"(computed {when})."
    )
    questions = Table(
        "question", "kind", "by", "items", "labels", "agreement", "Fleiss κ", "Krippendorff α", "confidence"
    )
    for name, figures in summary.questions.items():
        questions.add_row(
            name,
            figures.kind,
            escape(figures.method or "-"),
            str(figures.items),
            str(figures.labels),
            _agreement(figures),
            _num(figures.fleiss_kappa),
            _num(figures.krippendorff_alpha),
            _num(figures.mean_confidence),
        )
    out.print(questions)
    people = Table(
        "annotator", "status", "labels", "agrees with consensus", "gold accuracy", "review accepted"
    )
    for row in client.annotator_quality(project_id):
        people.add_row(
            row.name or row.email,
            row.status,
            str(row.labels),
            _rate(row.agreement),
            _rate(row.gold),
            _rate(row.review),
        )
    out.print(people)


@quality_app.command("refresh")
@friendly_errors
def refresh(
    project_id: ProjectId,
    force: Annotated[bool, typer.Option(help="Recompute even if nothing changed.")] = False,
    url: Url = DEFAULT_URL,
    token: Token = None,
) -> None:
    """Recompute the project's consensus now (it also refreshes itself when figures are read)."""
    result = connect(url, token).refresh_quality(project_id, force=force)
    verb = "Recomputed" if result.recomputed else "Already up to date:"
    out.print(f"{verb} consensus of {result.summary.items} items with {result.summary.method}.")


@quality_app.command("confusion")
@friendly_errors
def confusion(
    project_id: ProjectId,
    question: Annotated[
        str | None, typer.Option(help="The question (default: the first choice question).")
    ] = None,
    user: Annotated[int | None, typer.Option(help="Only this annotator (user id).")] = None,
    url: Url = DEFAULT_URL,
    token: Token = None,
) -> None:
    """Show a confusion matrix: consensus answer (rows) against the answer given (columns)."""
    matrix = connect(url, token).confusion(project_id, question, user_id=user)
    table = Table("consensus \\ given", *(str(c) for c in matrix.classes), title=f"{matrix.question}")
    for name, row in zip(matrix.classes, matrix.matrix, strict=True):
        table.add_row(str(name), *(str(v) for v in row))
    out.print(table)


@quality_app.command("disagreements")
@friendly_errors
def disagreements(
    project_id: ProjectId,
    limit: Annotated[int, typer.Option(min=1, max=500, help="How many items.")] = 20,
    url: Url = DEFAULT_URL,
    token: Token = None,
) -> None:
    """List the items whose consensus is least sure, with the answers given."""
    table = Table("item", "confidence", "consensus", "votes")
    for row in connect(url, token).disagreements(project_id, limit=limit):
        consensus = "; ".join(f"{q}={v.value}" for q, v in row.consensus.items())
        votes = "; ".join(
            f"{q}: " + ", ".join(f"{answer}×{n}" for answer, n in counts.items())
            for q, counts in row.votes.items()
        )
        table.add_row(str(row.item_id), f"{row.confidence:.2f}", escape(consensus), escape(votes))
    out.print(table)


@quality_app.command("reinstate")
@friendly_errors
def reinstate(
    project_id: ProjectId,
    user_id: Annotated[int, typer.Argument(help="The annotator's user id.")],
    url: Url = DEFAULT_URL,
    token: Token = None,
) -> None:
    """Let a paused or failed annotator work again (managers)."""
    state = connect(url, token).reinstate(project_id, user_id)
    out.print(f"Annotator {state.user_id} is {state.status} again in project {state.project_id}.")
