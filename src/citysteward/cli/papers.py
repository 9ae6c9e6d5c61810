"""The daily dispatch sheet and the monthly bulletin, written to files."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import make_url

from citysteward.cli.app import app, console, fail, runtime, settings_from_env
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
    settings = settings_from_env()
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:") \
            and not Path(url.database).exists():
        fail(f"数据库不存在：{url.database}")  # a paper of a database that is not there is an error
    rt = runtime(settings)
    try:
        day = parse_day(date) if date else papers.default_day(rt, kind)
        # both files are made before either is written, and each is written whole (a temporary file
        # renamed over the old one): a refused paper never leaves an empty or half file behind
        made = [papers.build(rt, kind, day, fmt) for fmt in ("docx", "xlsx")]
    except DomainError as exc:
        fail(exc.message)
    out.mkdir(parents=True, exist_ok=True)
    for name, content, _media in made:
        if not content:
            fail(f"报表 {name} 为空，未写入")
        tmp = out / f".{name}.tmp"
        tmp.write_bytes(content)
        os.replace(tmp, out / name)
        console.print(f"已生成 {out / name}（{len(content) // 1024} KB）")
