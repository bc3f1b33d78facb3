"""Console output shared by the commands, and the one place errors become a red line and exit code 1."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from assay.errors import AssayError

P = ParamSpec("P")
R = TypeVar("R")

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def fail(message: str) -> typer.Exit:
    """Print ``message`` as one red line on stderr; raise the returned Exit to stop with code 1."""
    err.print(f"[red]Error:[/red] {escape(message)}", soft_wrap=True)
    return typer.Exit(1)


def friendly_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn assay's errors (API or local) and file errors into a red line and exit 1, never a traceback."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except AssayError as error:
            raise fail(error.message) from None
        except OSError as error:  # a file that cannot be read or written
            raise fail(str(error)) from None

    return run
