"""Evaluation commands: ``assay leaderboard``, ``assay contamination`` and ``assay reward ...``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from assay.cli._output import fail, friendly_errors, out
from assay.cli.remote import DEFAULT_URL, Token, Url, connect

reward_app = typer.Typer(
    help="Reward models: train on a project's preferences, list, score, next pairs.", no_args_is_help=True
)
ProjectId = Annotated[int, typer.Argument(help="The project's id (see `assay project list`).")]
RewardModelId = Annotated[int, typer.Argument(help="The reward model's id (see `assay reward list`).")]


def _number(value: Any, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _print_json(data: Any) -> None:
    out.print_json(json.dumps(data))


@friendly_errors
def leaderboard(
    project_id: ProjectId,
    url: Url = DEFAULT_URL,
    token: Token = None,
    style: Annotated[bool, typer.Option("--style", help="Style control: adjust for answer length.")] = False,
    method: Annotated[str, typer.Option(help="Fitting method: newton or mm.")] = "newton",
    bootstrap: Annotated[
        int, typer.Option(min=0, max=1000, help="Bootstrap rounds for the 95% intervals.")
    ] = 100,
    category: Annotated[
        str | None, typer.Option(help="Show this category's table instead of the overall one.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole leaderboard as JSON.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print the leaderboard as CSV.")] = False,
) -> None:
    """Show a project's leaderboard: Bradley-Terry ratings with 95% intervals from pairwise judgments."""
    if as_json and as_csv:
        raise fail("choose one of --json and --csv")
    if method not in ("newton", "mm"):
        raise fail("--method must be newton or mm")
    client = connect(url, token)
    options: dict[str, Any] = {"style": style, "method": method, "n_bootstrap": bootstrap}
    if as_csv:
        typer.echo(client.leaderboard_csv(project_id, **options), nl=False)
        return
    board = client.leaderboard(project_id, **options)
    if as_json:
        _print_json(board)
        return
    rows = board["models"]
    if category is not None:
        if category not in board["categories"]:
            raise fail(f"no category {category!r}; categories: {', '.join(board['categories']) or 'none'}")
        rows = board["categories"][category]
    title = f"Leaderboard of project {project_id}" + (f" — {category}" if category else "")
    table = Table("rank", "model", "rating", "95% CI", "battles", "win rate", title=escape(title))
    for row in rows:
        table.add_row(
            str(row["rank"]), escape(row["model"]), _number(row["rating"]),
            f"{_number(row['ci_low'])} – {_number(row['ci_high'])}", str(row["n_battles"]),
            f"{100 * row['win_rate']:.0f}%",
        )  # fmt: skip
    out.print(table)
    note = (
        f"{board['n_battles']} judgments, method {board['method']}, {board['n_bootstrap']} bootstrap rounds"
    )
    if "style_coef" in board:
        note += f", length coefficient {board['style_coef']['length']:+.3f}"
    out.print(note)


@friendly_errors
def contamination(
    project_id: Annotated[int, typer.Argument(help="The project whose exportable texts are searched.")],
    url: Url = DEFAULT_URL,
    token: Token = None,
    prompts: Annotated[
        Path | None,
        typer.Option(
            exists=True, dir_okay=False, readable=True, help="A text file with one prompt per line."
        ),
    ] = None,
    prompt_project: Annotated[int | None, typer.Option(help="Or: check this project's prompts.")] = None,
    threshold: Annotated[
        float, typer.Option(min=0.01, max=1.0, help="Jaccard similarity of a near-duplicate.")
    ] = 0.8,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Check prompts for contamination: exact or near-duplicates in a project's exportable texts."""
    if (prompts is None) == (prompt_project is None):
        raise fail("give either --prompts FILE or --prompt-project ID")
    lines = [line for line in prompts.read_text().splitlines() if line.strip()] if prompts else None
    report = connect(url, token).check_contamination(
        project_id, lines, prompt_project_id=prompt_project, threshold=threshold
    )
    if as_json:
        _print_json(report)
        return
    table = Table("prompt", "match", "jaccard", "item", "text")
    for match in report["matches"]:
        table.add_row(escape(match["prompt"][:60]), match["match"], f"{match['jaccard']:.2f}",
                      str(match["item_id"]), escape(match["text"][:60]))  # fmt: skip
    out.print(table)
    out.print(f"{report['contaminated']} of {report['n_prompts']} prompts found in {report['n_texts']} texts "
              f"({100 * report['contaminated_share']:.1f}%)")  # fmt: skip


@reward_app.command("train")
@friendly_errors
def train(
    project_id: ProjectId,
    url: Url = DEFAULT_URL,
    token: Token = None,
    name: Annotated[str | None, typer.Option(help="A name for the model.")] = None,
    encoder: Annotated[
        str | None, typer.Option(help="all-MiniLM-L6-v2 (default where installed) or hashing.")
    ] = None,
    l2: Annotated[float, typer.Option(min=0.0, help="L2 penalty of the Bradley-Terry head.")] = 1.0,
    holdout: Annotated[float, typer.Option(min=0.01, max=0.99, help="Share of comparisons held out.")] = 0.2,
    background: Annotated[
        bool, typer.Option("--background", help="Queue as a server job and return.")
    ] = False,
) -> None:
    """Train a reward model on the project's preferences and print its held-out metrics."""
    client = connect(url, token)
    if background:
        job = client.start_reward_model_training(
            project_id, name=name, encoder=encoder, l2=l2, holdout=holdout
        )
        out.print(f"Queued job [bold]{job['id']}[/bold] (train_reward_model)")
        return
    model = client.train_reward_model(project_id, name=name, encoder=encoder, l2=l2, holdout=holdout)
    held = model.metrics["heldout"]
    out.print(f"Trained reward model [bold]{model.id}[/bold] ({model.encoder}) on {model.n_pairs} pairs")
    out.print(f"held-out ({held['n']} pairs): accuracy {_number(held['accuracy'], 3)}, "
              f"ECE {_number(held['ece'], 3)}, Brier {_number(held['brier'], 3)}")  # fmt: skip


@reward_app.command("list")
@friendly_errors
def list_models(project_id: ProjectId, url: Url = DEFAULT_URL, token: Token = None) -> None:
    """List the project's reward models with their held-out metrics."""
    table = Table("id", "name", "encoder", "pairs", "accuracy", "ECE", "Brier", "created")
    for model in connect(url, token).reward_models(project_id):
        held = model.metrics.get("heldout", {})
        table.add_row(str(model.id), escape(model.name), model.encoder, str(model.n_pairs),
                      _number(held.get("accuracy"), 3), _number(held.get("ece"), 3), _number(held.get("brier"), 3),
                      f"{model.created_at:%Y-%m-%d %H:%M}")  # fmt: skip
    out.print(table)


@reward_app.command("score")
@friendly_errors
def score(
    project_id: ProjectId,
    reward_model_id: RewardModelId,
    prompt: Annotated[str, typer.Option(help="The prompt the responses answer.")],
    response: Annotated[list[str], typer.Option(help="A response to score (repeat for more).")],
    url: Url = DEFAULT_URL,
    token: Token = None,
) -> None:
    """Score responses to one prompt with a reward model, best first."""
    rewards = connect(url, token).score_responses(
        project_id, reward_model_id, [(prompt, r) for r in response]
    )
    table = Table("reward", "response")
    for value, text in sorted(zip(rewards, response, strict=True), reverse=True):
        table.add_row(f"{value:+.3f}", escape(text))
    out.print(table)


@reward_app.command("next")
@friendly_errors
def next_pairs(
    project_id: ProjectId,
    url: Url = DEFAULT_URL,
    token: Token = None,
    k: Annotated[int, typer.Option("-k", min=1, max=1000, help="How many pairs.")] = 10,
    model: Annotated[
        int | None, typer.Option("--model", help="Reward model whose uncertainty guides the choice.")
    ] = None,
    strategy: Annotated[str, typer.Option(help="uncertainty, information or disagreement.")] = "uncertainty",
    create: Annotated[
        bool, typer.Option("--create", help="Queue the pairs as new comparison items.")
    ] = False,
) -> None:
    """Choose the pairs most worth a human judgment next (active preference learning)."""
    batch = connect(url, token).next_comparisons(
        project_id, k, reward_model_id=model, strategy=strategy, create=create
    )
    table = Table("score", "P(A)", "votes", "prompt", "A", "B")
    for pair in batch["pairs"]:
        table.add_row(f"{pair['score']:.3f}", f"{pair['p_a']:.2f}", str(pair["votes"]), escape(pair["prompt"][:40]),
                      escape(str(pair["A"].get("model"))), escape(str(pair["B"].get("model"))))  # fmt: skip
    out.print(table)
    out.print(
        f"{len(batch['pairs'])} of {batch['candidates']} candidate pairs; {batch['created']} items created"
    )
