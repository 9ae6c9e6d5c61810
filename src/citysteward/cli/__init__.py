"""The `citysteward` command: one module per part of the work adds its commands to the one app."""

from __future__ import annotations

import sys

import typer

from citysteward.cli import backup, papers, sensors, service, setup
from citysteward.cli.app import app
from citysteward.kernel.errors import DomainError

COMMAND_MODULES = (setup, service, papers, backup, sensors)  # imported for their commands; the order is the help's order


def main() -> None:
    try:
        app()
    except DomainError as exc:
        typer.echo(f"错误：{exc.message}", err=True)
        sys.exit(1)


__all__ = ["app", "main"]
