"""The `citysteward` command's frame: the Typer app every context module adds its commands to, the
runtime (migrated before use) and the one-line failure every command ends with on bad input."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console

from citysteward.config import Settings
from citysteward.platform.runtime import Runtime

app = typer.Typer(help="CitySteward 市政管家 — grid-based urban governance.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
console = Console()


def runtime(settings: Settings | None = None) -> Runtime:
    from citysteward.bootstrap import build_runtime
    from citysteward.platform.migrate import upgrade

    settings = settings or Settings.from_env()
    upgrade(settings.database_url)
    return build_runtime(settings)


def fail(message: str) -> NoReturn:
    typer.echo(f"错误：{message}", err=True)  # one line, never wrapped
    raise typer.Exit(code=1)
