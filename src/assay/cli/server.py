"""Running the server: ``serve``, ``demo`` and ``migrate``."""

from __future__ import annotations

import importlib.util
import os
from typing import Annotated

import typer
from rich.panel import Panel
from sqlalchemy.orm import Session

from assay.cli._output import err, friendly_errors, out
from assay.cli.local import migrate as migrate_db
from assay.cli.local import shown_url
from assay.services.demo import ensure_demo
from assay.settings import Settings

Host = Annotated[str, typer.Option(help="Interface to listen on (0.0.0.0 for every interface).")]
Port = Annotated[int, typer.Option(help="TCP port to listen on.")]


def _prepare(settings: Settings) -> None:
    """Check the secret (ConfigurationError when weak) and migrate once, before any worker starts."""
    settings.resolved_secret()
    migrate_db(settings).dispose()


def _run(settings: Settings, *, host: str, port: int, workers: int = 1, reload: bool = False) -> None:
    import uvicorn

    if settings.db_url.startswith("sqlite") and workers > 1:
        err.print("[yellow]Warning:[/yellow] SQLite has one writer; run one worker, or use PostgreSQL for more.")
    # The parent migrated already; workers must not race to do it again.
    os.environ["ASSAY_AUTO_MIGRATE"] = "0"
    uvicorn.run(
        "assay.api.app:factory", factory=True, host=host, port=port, workers=workers, reload=reload,
        loop="uvloop" if importlib.util.find_spec("uvloop") else "auto",
        http="httptools" if importlib.util.find_spec("httptools") else "auto",
        access_log=settings.access_log,
    )


@friendly_errors
def serve(
    host: Host = "127.0.0.1",
    port: Port = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (keep 1 with SQLite).")] = 1,
    reload: Annotated[bool, typer.Option(help="Restart when the code changes (development).")] = False,
) -> None:
    """Run the server (migrates the database first)."""
    settings = Settings()
    _prepare(settings)
    _run(settings, host=host, port=port, workers=workers, reload=reload)


@friendly_errors
def demo(
    host: Host = "127.0.0.1",
    port: Port = 8000,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Set up the demo but do not start the server.")]
    = False,
) -> None:
    """Set up a demo organization, owner and project, print the login, and serve."""
    if not os.environ.get("ASSAY_SECRET_KEY"):
        os.environ["ASSAY_DEV"] = "1"
    settings = Settings()
    settings.resolved_secret()
    engine = migrate_db(settings)
    try:
        with Session(engine, expire_on_commit=False) as session:
            result = ensure_demo(session=session)
    finally:
        engine.dispose()
    url = f"http://{host}:{port}/"
    if result.password:
        login = f"Password: [bold]{result.password}[/bold]\n[dim]Shown only this once: keep it now.[/dim]"
    else:
        login = "Password: [dim]unchanged; the demo already existed, so its password was not reset.[/dim]"
    body = (f"Open [bold]{url}[/bold]\nE-mail: [bold]{result.email}[/bold]\n{login}\n"
            f"Project: {result.project_id} (Demo: sentiment and entities)")
    out.print(Panel(body, title="assay demo", expand=False))
    if not no_serve:
        _run(settings, host=host, port=port)


@friendly_errors
def migrate() -> None:
    """Apply database migrations."""
    settings = Settings()
    migrate_db(settings).dispose()
    out.print(f"Database {shown_url(settings.db_url)} is up to date.")
