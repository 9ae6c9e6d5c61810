"""An ASGI app wrapped in cProfile, for `bench/http.py --profile DIR`: every uvicorn worker profiles
the app named in CITYSTEWARD_BENCH_APP and writes DIR-<pid>.prof when it shuts down (lifespan)."""

from __future__ import annotations

import cProfile
import importlib
import os
from pathlib import Path
from typing import Any

_module, _name = os.environ["CITYSTEWARD_BENCH_APP"].split(":")
_inner = getattr(importlib.import_module(_module), _name)
_profiler = cProfile.Profile()
_out = Path(os.environ["CITYSTEWARD_BENCH_PROFILE"])


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                _profiler.enable()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                _profiler.disable()
                _out.parent.mkdir(parents=True, exist_ok=True)
                _profiler.dump_stats(f"{_out}-{os.getpid()}.prof")
                await send({"type": "lifespan.shutdown.complete"})
                return
    await _inner(scope, receive, send)
