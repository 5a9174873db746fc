"""`itbcheck config show`: the settings in force and where each came from
(docs/configuration.md)."""

from __future__ import annotations

import os

import typer

from itbcheck.cli._handling import guarded

config_app = typer.Typer(
    help="The clinic's settings: policy, audit log, visit store, site profiles, operator.",
    short_help="The settings in force and where each came from.",
    no_args_is_help=True,
)


@config_app.command()
@guarded
def show() -> None:
    """Print each setting in force and where it came from, one line per key."""
    from itbcheck.output import printable
    from itbcheck.settings import in_force

    settings = in_force(os.environ)
    width = max(len(key) for key in settings)
    for setting in settings.values():
        value = "(none)" if setting.value is None else printable(setting.value)
        typer.echo(f"{setting.key:<{width}}  {value}  [{setting.source}]")
