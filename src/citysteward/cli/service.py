"""Running the service: the web server, the demo city, the escalation worker and one sweep by hand."""

from __future__ import annotations

from typing import Annotated

import typer

from citysteward.cli.app import app, console, fail, runtime
from citysteward.kernel.errors import DomainError


@app.command()
def sweep() -> None:
    """One escalation round: timer lights, reminders at yellow, overdue and supervision at red (idempotent)."""
    from citysteward.supervision.services.sweep import sweep as run_sweep

    result = run_sweep(runtime())
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

    rt = runtime()  # migrate once before workers start
    # proxy_headers off: X-Forwarded-For counts only when CITYSTEWARD_TRUST_PROXY=1 (platform/http/client.py)
    uvicorn.run("citysteward.asgi:app", host=host, port=port, workers=workers, log_level="info", proxy_headers=False,
                timeout_keep_alive=rt.settings.keep_alive_seconds)


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

    rt = runtime()
    try:
        logins = build_demo(rt, cases=cases, cell_m=cell_m, seed=seed, console=console)
    except DomainError as exc:
        fail(exc.message)
    console.print("\n[bold]演示账号[/bold]（用户名 / 密码 / 角色）：")
    for username, password, label in logins:
        console.print(f"  {username:<16} {password:<14} {label}")
    if serve_after:
        console.print(f"\n服务地址：http://{host}:{port}/  （API 文档 /docs）")
        import uvicorn

        uvicorn.run("citysteward.asgi:app", host=host, port=port, log_level="warning", proxy_headers=False,
                    timeout_keep_alive=rt.settings.keep_alive_seconds)


@app.command()
def worker(
    interval: Annotated[float, typer.Option(help="seconds between rounds")] = 60.0,
    once: Annotated[bool, typer.Option("--once", help="run one round and exit")] = False,
) -> None:
    """Escalation worker: timer lights, reminders (催办), automatic supervision (督办), ticket escalation,
    notifications. Safe to run on several servers (PostgreSQL advisory lock)."""
    from citysteward.supervision.services import escalation

    rt = runtime()

    def show(r: escalation.WorkerRound) -> None:
        if not r.swept:
            console.print("另一个工作进程正在巡检，本轮跳过")
        c, t, d = r.cases, r.tickets, r.delivery
        console.print(f"巡检 {c.scanned} 件：催办 {c.reminded}，新超期 {c.overdue}，自动督办 {c.supervised}"
                      f"（新督导单 {c.tickets}）；督导单升级 {t.escalated}、逾期 {t.overdue}；"
                      f"发送站内通知 {d.notices}、邮件 {d.emails}，失败 {d.failed}")

    def citizens_round() -> None:  # area alerts into the outbox (sent next round), SMS to citizens (issue 15)
        from citysteward.citizens import services as citizens

        queued, sent = citizens.send_alerts(rt), citizens.deliver_messages(rt)
        if queued or sent:
            console.print(f"区域提醒邮件 {queued} 封已排队，市民短信 {sent} 条已发送")

    def patrols_round() -> None:  # raw track points past the configured retention (issue 11)
        from citysteward.patrols.services import field as patrol_field

        if purged := patrol_field.purge_tracks(rt):
            console.print(f"已清理超过保留期的轨迹批次 {purged} 条")

    def access_round() -> None:  # access-log entries past CITYSTEWARD_ACCESS_LOG_DAYS (0: kept for ever)
        from citysteward.org.services import access

        if purged := access.purge(rt):
            console.print(f"已清理超过保留期的访问日志 {purged} 条")

    def subsurface_round() -> None:  # grouting / excavation past its deadline → 督导单 (issue 13)
        from citysteward.subsurface import services as subsurface

        if issued := subsurface.escalate_overdue(rt):
            console.print(f"塌陷隐患处置逾期，已下发督导单 {issued} 张")

    def desk_round() -> None:  # new reports → the acceptors' and shift leaders' bells (issue 10)
        from citysteward.cases.services.announce import announce_new_reports

        if announced := announce_new_reports(rt):
            console.print(f"新上报提醒 {announced} 条")

    def round_done(r: escalation.WorkerRound) -> None:
        show(r)
        desk_round()
        citizens_round()
        patrols_round()
        access_round()
        subsurface_round()

    if once:
        round_done(escalation.run_once(rt))
        return
    console.print(f"督办巡检已启动，每 {interval:g} 秒一轮（Ctrl+C 退出）")
    try:
        escalation.run_forever(rt, interval, on_round=round_done)
    except KeyboardInterrupt:
        console.print("已退出")
