"""The `citysteward` command: init, import-areas, import-calendar, demo, serve, sweep."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from citysteward.config import Settings
from citysteward.evaluation.papers import build as evaluation_papers_build
from citysteward.kernel.actor import Actor
from citysteward.kernel.errors import DomainError

app = typer.Typer(help="CitySteward 市政管家 — grid-based urban governance.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
console = Console()


def _runtime(settings: Settings | None = None):
    from citysteward.bootstrap import build_runtime
    from citysteward.platform.migrate import upgrade

    settings = settings or Settings.from_env()
    upgrade(settings.database_url)
    return build_runtime(settings)


def _fail(message: str) -> NoReturn:
    typer.echo(f"错误：{message}", err=True)  # one line, never wrapped
    raise typer.Exit(code=1)


@app.command()
def init() -> None:
    """Create or upgrade the database, load the category catalogue and the working calendar."""
    from citysteward.bootstrap import initialise

    rt = _runtime()
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

    if not path.exists():
        _fail(f"文件不存在：{path}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        _fail(f"不是有效的 JSON 文件：{path}")
    try:
        result = areas.import_areas(_runtime(), Actor.system("命令行"), data, crs, level)
    except DomainError as exc:
        _fail(exc.message)
    console.print(f"已导入区域 {result['areas']} 个、网格 {result['grids']} 个")


@app.command("import-calendar")
def import_calendar(
    year: Annotated[int, typer.Argument(help="year to (re)load")],
    csv: Annotated[Path | None, typer.Option(help="CSV lines: 2027-01-01,holiday,元旦")] = None,
) -> None:
    """Load a year's public holidays and make-up workdays (chinesecalendar, or a CSV for other years)."""
    from citysteward.worktime import services as calendar

    text = None
    if csv is not None:
        if not csv.exists():
            _fail(f"文件不存在：{csv}")
        text = csv.read_text(encoding="utf-8-sig")
    try:
        result = calendar.import_year(_runtime(), Actor.system("命令行"), year, text)
    except DomainError as exc:
        _fail(exc.message)
    console.print(f"{year} 年日历已导入（{result['source']}）：放假 {result['holidays']} 天，调休上班 {result['workdays']} 天")


@app.command()
def sweep() -> None:
    """One escalation round: timer lights, reminders at yellow, overdue and supervision at red (idempotent)."""
    from citysteward.supervision.services.sweep import sweep as run_sweep

    result = run_sweep(_runtime())
    console.print(f"检查 {result.scanned} 件，更新 {result.changed} 件，催办 {result.reminded} 件，"
                  f"新超期 {result.overdue} 件，督办 {result.supervised} 件，督导单 {result.tickets} 张")


@app.command()
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    workers: Annotated[int, typer.Option(help="app worker processes")] = 1,
) -> None:
    """Run the web service."""
    import uvicorn

    _runtime()  # migrate once before workers start
    uvicorn.run("citysteward.asgi:app", host=host, port=port, workers=workers, log_level="info")


@app.command()
def demo(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve", help="start the server afterwards")] = True,
    cases: Annotated[int, typer.Option(help="cases to generate over the past year")] = 20000,
    cell_m: Annotated[float, typer.Option(help="grid cell size in metres")] = 500.0,
    seed: Annotated[int, typer.Option()] = 42,
) -> None:
    """Build the Jiaozuo demo city (areas, grids, units, logins, a year of cases) and serve it."""
    from citysteward.demo.loader import build_demo

    rt = _runtime()
    try:
        logins = build_demo(rt, cases=cases, cell_m=cell_m, seed=seed, console=console)
    except DomainError as exc:
        _fail(exc.message)
    console.print("\n[bold]演示账号[/bold]（用户名 / 密码 / 角色）：")
    for username, password, label in logins:
        console.print(f"  {username:<16} {password:<14} {label}")
    if serve_after:
        console.print(f"\n服务地址：http://{host}:{port}/  （API 文档 /docs）")
        import uvicorn

        uvicorn.run("citysteward.asgi:app", host=host, port=port, log_level="warning")


@app.command()
def worker(
    interval: Annotated[float, typer.Option(help="seconds between rounds")] = 60.0,
    once: Annotated[bool, typer.Option("--once", help="run one round and exit")] = False,
) -> None:
    """Escalation worker: timer lights, reminders (催办), automatic supervision (督办), ticket escalation,
    notifications. Safe to run on several servers (PostgreSQL advisory lock)."""
    from citysteward.supervision.services import escalation

    rt = _runtime()

    def show(r: escalation.WorkerRound) -> None:
        if not r.swept:
            console.print("另一个工作进程正在巡检，本轮跳过")
        c, t, d = r.cases, r.tickets, r.delivery
        console.print(f"巡检 {c.scanned} 件：催办 {c.reminded}，新超期 {c.overdue}，自动督办 {c.supervised}"
                      f"（新督导单 {c.tickets}）；督导单升级 {t.escalated}、逾期 {t.overdue}；"
                      f"发送站内通知 {d.notices}、邮件 {d.emails}，失败 {d.failed}")

    if once:
        show(escalation.run_once(rt))
        return
    console.print(f"督办巡检已启动，每 {interval:g} 秒一轮（Ctrl+C 退出）")
    try:
        escalation.run_forever(rt, interval, on_round=show)
    except KeyboardInterrupt:
        console.print("已退出")


@app.command()
def report(
    kind: Annotated[str, typer.Argument(help="daily（每日调度）| monthly（月通报）")],
    date: Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD；daily 默认昨天，monthly 取该日所在月（默认上月）")] = None,
    out: Annotated[Path, typer.Option("--out", help="output directory")] = Path("."),
) -> None:
    """Write the daily dispatch sheet or the monthly bulletin as Word and Excel."""
    from citysteward.kernel.periods import parse_day
    pass

    if kind not in ("daily", "monthly"):
        _fail("报表类型只能是 daily 或 monthly")
    rt = _runtime()
    try:
        day = parse_day(date) if date else evaluation_papers_build.default_day(rt, kind)
        out.mkdir(parents=True, exist_ok=True)
        for fmt in ("docx", "xlsx"):
            name, content, _media = evaluation_papers_build.build(rt, kind, day, fmt)
            (out / name).write_bytes(content)
            console.print(f"已生成 {out / name}（{len(content) // 1024} KB）")
    except DomainError as exc:
        _fail(exc.message)


def main() -> None:
    try:
        app()
    except DomainError as exc:
        typer.echo(f"错误：{exc.message}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
