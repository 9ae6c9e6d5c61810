"""The `citysteward` command's frame: the Typer app every context module adds its commands to, the
runtime (migrated before use) and the one-line failure every command ends with on bad input."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console

from citysteward.config import SettingError, Settings
from citysteward.kernel.errors import InvalidInput
from citysteward.kernel.text import clean_text
from citysteward.platform.runtime import Runtime

app = typer.Typer(help="CitySteward 市政管家 — grid-based urban governance.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
console = Console()


def settings_from_env() -> Settings:
    """The CITYSTEWARD_* settings; a value that cannot be used ends the command with its name."""
    try:
        return Settings.from_env()
    except SettingError as exc:
        fail(exc.message)


def runtime(settings: Settings | None = None) -> Runtime:
    from citysteward.bootstrap import build_runtime
    from citysteward.platform.migrate import upgrade

    settings = settings or settings_from_env()
    upgrade(settings.database_url)
    return build_runtime(settings)


def fail(message: str) -> NoReturn:
    typer.echo(f"错误：{message}", err=True)  # one line, never wrapped
    raise typer.Exit(code=1)


def read_text(path: Path) -> str:
    """A file people wrote (GeoJSON, CSV): UTF-8 (a BOM allowed) under the text rule of kernel/text.py."""
    if not path.exists():
        fail(f"文件不存在：{path}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        fail(f"文件不是 UTF-8 编码：{path}")
    try:
        return clean_text(text, multiline=True, field=path.name, label=str(path))
    except InvalidInput as exc:
        fail(exc.message)
