"""The ``assay`` command: builds the Typer app from the command modules."""

from __future__ import annotations

import typer

from assay.cli import admin, data, evaluate, llm, projects, server
from assay.cli.quality import quality_app

app = typer.Typer(
    name="assay",
    help="assay: an open training-data engine. Run a server, administer it, and move data in and out.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command()(server.serve)
app.command()(server.demo)
app.command()(server.migrate)
app.add_typer(admin.user_app, name="user")
app.add_typer(admin.token_app, name="token")
app.add_typer(projects.project_app, name="project")
app.command("import")(data.import_items)
app.command()(data.export)
app.command()(projects.status)
app.command()(llm.generate)
app.add_typer(llm.jobs_app, name="jobs")
app.command()(llm.compare)
app.command("export-training")(llm.export_training)
app.command()(evaluate.leaderboard)
app.command()(evaluate.contamination)
app.add_typer(evaluate.reward_app, name="reward")
app.add_typer(quality_app, name="quality")

if __name__ == "__main__":
    app()
