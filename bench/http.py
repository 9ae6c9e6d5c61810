"""HTTP benchmark, CitySteward against the floor: see bench/_http_bench.py (the code) for usage.

    .venv/bin/python bench/http.py --db sqlite,postgresql --stored 1000000

A script run from bench/ has bench/ first on sys.path, so this file is also what `import http` finds
there (the brief names it bench/http.py). Imported under that name, it hands the standard library's
`http` package over in its place; run as a script, it runs the benchmark."""

from __future__ import annotations

import importlib.util
import sys
import sysconfig
from pathlib import Path

if __name__ == "http":
    _init = Path(sysconfig.get_paths()["stdlib"]) / "http" / "__init__.py"
    _spec = importlib.util.spec_from_file_location("http", _init, submodule_search_locations=[str(_init.parent)])
    assert _spec is not None and _spec.loader is not None
    _real = importlib.util.module_from_spec(_spec)
    sys.modules["http"] = _real
    _spec.loader.exec_module(_real)
elif __name__ == "__main__":
    from _http_bench import main

    main()
