"""The daily dispatch sheet and the monthly bulletin, written to files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from citysteward.cli.app import app, console, fail, runtime
from citysteward.evaluation.papers import build as papers
from citysteward.kernel.errors import DomainError


@app.command()
def report(
    kind: Annotated[str, typer.Argument(help="daily（每日调度）| monthly（月通报）")],
    date: Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD；daily 默认昨天，monthly 取该日所在月（默认上月）")] = None,
    out: Annotated[Path, typer.Option("--out", help="output directory")] = Path("."),
) -> None:
    """Write the daily dispatch sheet or the monthly bulletin as Word and Excel."""
    from citysteward.kernel.periods import parse_day

    if kind not in ("daily", "monthly"):
        fail("报表类型只能是 daily 或 monthly")
    rt = runtime()
    try:
        day = parse_day(date) if date else papers.default_day(rt, kind)
        out.mkdir(parents=True, exist_ok=True)
        for fmt in ("docx", "xlsx"):
            name, content, _media = papers.build(rt, kind, day, fmt)
            (out / name).write_bytes(content)
            console.print(f"已生成 {out / name}（{len(content) // 1024} KB）")
    except DomainError as exc:
        fail(exc.message)
