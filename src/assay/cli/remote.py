"""How remote commands reach a server: ``--url`` and ``--token`` options and a swappable client factory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer

from assay.sdk import Client

DEFAULT_URL = "http://127.0.0.1:8000"

Url = Annotated[str, typer.Option("--url", envvar="ASSAY_URL", help="Server URL.", show_default=True)]
Token = Annotated[
    str | None, typer.Option("--token", envvar="ASSAY_TOKEN", help="API token (or set ASSAY_TOKEN).",
                             show_default=False)
]


def default_client(url: str, token: str | None) -> Client:
    """A Client over real HTTP."""
    return Client(url, token)


# Tests point this at the app in-process: ``lambda url, token: Client(url, token, http=TestClient(app))``.
client_factory: Callable[[str, str | None], Client] = default_client


def connect(url: str, token: str | None) -> Client:
    """The client for a remote command."""
    return client_factory(url, token)
