"""Every CLI command, option and argument, and every setting, has a one-line help (Datasette's rule)."""

from __future__ import annotations

import click
import typer

from assay.cli.main import app
from assay.settings import Settings


def _commands(command, path: str = "assay"):  # type: ignore[no-untyped-def]
    yield path, command
    if hasattr(command, "list_commands"):  # a group (Typer may bring its own copy of click)
        context = click.Context(command)
        for name in command.list_commands(context):
            yield from _commands(command.get_command(context, name), f"{path} {name}")


def test_every_cli_command_and_parameter_has_help():
    root = typer.main.get_command(app)
    found = dict(_commands(root))
    assert {
        "assay serve",
        "assay demo",
        "assay migrate",
        "assay user create",
        "assay user list",
        "assay token create",
        "assay project list",
        "assay project create",
        "assay project show",
        "assay import",
        "assay export",
        "assay status",
    } <= set(found)
    missing = []
    for path, command in found.items():
        if not (command.help or "").strip():
            missing.append(path)
        for param in command.params:
            if (
                param.name not in ("help", "install_completion", "show_completion")
                and not (getattr(param, "help", None) or "").strip()
            ):
                missing.append(f"{path} {param.name}")
    assert not missing, f"undocumented: {missing}"


def test_every_setting_has_a_description():
    undocumented = [
        name for name, field in Settings.model_fields.items() if not (field.description or "").strip()
    ]
    assert not undocumented, f"settings without a description: {undocumented}"
