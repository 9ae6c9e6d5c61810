"""Setting up a city: the database, its catalogue and calendar, its areas and grids."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from citysteward.cli.app import app, console, fail, read_text, runtime
from citysteward.kernel.actor import Actor
from citysteward.kernel.errors import DomainError


@app.command()
def init() -> None:
    """Create or upgrade the database, load the category catalogue and the working calendar."""
    from citysteward.bootstrap import initialise

    rt = runtime()
    result = initialise(rt)
    console.print(f"数据库已就绪：{rt.settings.database_url}")
    console.print(f"新增类别 {result.categories} 个；导入日历年份：{result.calendar_years or '无（已导入）'}")
    from citysteward.worktime.services import readiness

    for warning in readiness(rt):
        console.print(f"[yellow]注意：{warning}[/yellow]")


@app.command("import-areas")
def import_areas(
    path: Annotated[Path, typer.Argument(help="GeoJSON FeatureCollection (properties: code, name, level)")],
    crs: Annotated[str, typer.Option(help="wgs84 | gcj02 | bd09")] = "wgs84",
    level: Annotated[str | None, typer.Option(help="level for features without one")] = None,
) -> None:
    """Import districts, streets, communities or grids."""
    from citysteward.geography import services as areas

    try:
        data = json.loads(read_text(path))
    except ValueError:
        fail(f"不是有效的 JSON 文件：{path}")
    try:
        result = areas.import_areas(runtime(), Actor.system("命令行"), data, crs, level)
    except DomainError as exc:
        fail(exc.message)
    console.print(f"已导入区域 {result['areas']} 个、网格 {result['grids']} 个")


@app.command("import-calendar")
def import_calendar(
    year: Annotated[int, typer.Argument(help="year to (re)load")],
    csv: Annotated[Path | None, typer.Option(help="CSV lines: 2027-01-01,holiday,元旦")] = None,
) -> None:
    """Load a year's public holidays and make-up workdays (chinesecalendar, or a CSV for other years)."""
    from citysteward.worktime import services as calendar

    text = read_text(csv) if csv is not None else None
    try:
        result = calendar.import_year(runtime(), Actor.system("命令行"), year, text)
    except DomainError as exc:
        fail(exc.message)
    console.print(f"{year} 年日历已导入（{result['source']}）：放假 {result['holidays']} 天，调休上班 {result['workdays']} 天")
