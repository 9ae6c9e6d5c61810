#!/usr/bin/env python3
"""Build the packaged category catalogue: src/citysteward/data/categories.json.

    python tools/build_catalogue.py [SOURCE] [--out PATH] [--check]

SOURCE defaults to ../shared/standards/categories.json relative to the repository root (the shared
standards file with 763 entries of several schemes). The output holds:

* every GB/T 47678.5-2026 entry (153 部件 components + 250 事项 matters, classes 01..10);
* the 突发事件 items of the older CJ/T 214-2007-like event tree (路面塌陷, 道路积水, 管道破裂 …),
  which the 2026 transcription lacks.

Codes of two schemes are never mixed. Each entry names its `scheme`; `code` is unique across the
file and `source_code` keeps the code in the source scheme:

* GB matters keep the bare 5-digit GB code ("06010" 暴露垃圾);
* GB components share their 5-digit code with the matching matter (01001 供水井盖 /
  01001 供水井盖异常), so they get the prefix "BJ" (部件): "BJ01001";
* emergency items get "TF" (突发) + the 2-digit source id: "TF01" 路面塌陷, "TF99" 其他突发事件.

The time limits are LOCAL POLICY DEFAULTS (documented in docs/catalogue.md), not national values:
the admin edits them. The script is deterministic: the same source gives byte-identical output.
Standard library only, so it runs without the project installed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a script: its sibling modules
from catalogue_keywords import EMERGENCY_KEYWORDS, base_name, keywords_for  # noqa: E402
from catalogue_policies import CLASS_DEFAULTS, EMERGENCY_POLICIES, NAME_RULES, UNIT_HOURS  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "standards" / "categories.json"
DEFAULT_OUT = ROOT / "src" / "citysteward" / "data" / "categories.json"

SCHEME_GB = "GB/T 47678.5-2026"
SCHEME_EMERGENCY = "CJ/T 214-2007 事件树 (突发事件)"
SRC_GB_PREFIX = "GB/T 47678.5-2026"
SRC_EVENT_TREE_PREFIX = "source-local ids in a CJ/T 214-2007-like event tree"
EMERGENCY_CLASS = "突发事件"

def policy_for(name: str, class_code: str) -> tuple[dict, str]:
    base = base_name(name)
    for pattern, policy in NAME_RULES:
        if re.search(pattern, base):
            return policy, pattern
    return CLASS_DEFAULTS[class_code], f"class {class_code}"


def limits_json(policy: dict) -> dict:
    return {u: {"amount": a, "unit": unit} for u, (a, unit) in policy["limits"].items()}


def check_policy(name: str, policy: dict) -> None:
    hours = {u: a * UNIT_HOURS[unit] for u, (a, unit) in policy["limits"].items()}
    assert hours["urgent"] <= hours["normal"], f"{name}: urgent longer than normal"
    if "critical" in hours:
        assert hours["critical"] <= hours["urgent"], f"{name}: critical longer than urgent"
    if policy["same_day"]:
        assert hours["normal"] <= 12, f"{name}: same-day (事不过夜) but normal limit over a day"


def entry(code, scheme, kind, class_code, class_name, name, policy, source_code, keywords):
    check_policy(name, policy)
    out = {
        "code": code,
        "scheme": scheme,
        "kind": kind,
        "class_code": class_code,
        "class_name": class_name,
        "name": name,
        "keywords": keywords,
        "urgencies": limits_json(policy),
        "default_urgency": policy["default"],
        "same_day": policy["same_day"],
        "source_code": source_code,
    }
    if policy.get("note"):
        out["note"] = policy["note"]
    return out


def build(source: list[dict]) -> list[dict]:
    gb = [e for e in source if e["scheme"].startswith(SRC_GB_PREFIX)]
    tree = [
        e
        for e in source
        if e["scheme"].startswith(SRC_EVENT_TREE_PREFIX) and e["major_name"] == EMERGENCY_CLASS
    ]
    out: list[dict] = []
    # Matters first (what people report), then components, each in code order; then emergencies.
    matters = sorted((e for e in gb if e["kind"] == "事件"), key=lambda e: e["minor_code"])
    components = sorted((e for e in gb if e["kind"] == "部件"), key=lambda e: e["minor_code"])
    for e in matters + components:
        kind = "component" if e["kind"] == "部件" else "event"
        gb_code = e["minor_code"]
        assert re.fullmatch(r"\d{5}", gb_code) and gb_code[:2] == e["major_code"], e
        code = f"BJ{gb_code}" if kind == "component" else gb_code
        policy, _ = policy_for(e["minor_name"], e["major_code"])
        out.append(
            entry(
                code,
                SCHEME_GB,
                kind,
                e["major_code"],
                e["major_name"],
                e["minor_name"],
                policy,
                gb_code,
                keywords_for(e["minor_name"], kind, e["major_name"]),
            )
        )
    for e in sorted(tree, key=lambda e: int(e["minor_code"])):
        name = e["minor_name"]
        source_id = e["minor_code"]
        code = f"TF{int(source_id):02d}"
        policy = EMERGENCY_POLICIES[name]
        kws = keywords_for(name, "event", EMERGENCY_CLASS, EMERGENCY_KEYWORDS.get(name, []) + ["突发事件"])
        source_code = f"{e['major_code']}-{source_id}"  # major 4 (突发事件), item id
        out.append(
            entry(code, SCHEME_EMERGENCY, "event", "TF", EMERGENCY_CLASS, name, policy, source_code, kws)
        )
    codes = [e["code"] for e in out]
    assert len(codes) == len(set(codes)), "duplicate codes"
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("source", nargs="?", type=Path, default=DEFAULT_SOURCE)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--check", action="store_true", help="fail if the output file is not up to date")
    args = ap.parse_args(argv)
    source = json.loads(args.source.read_text("utf-8"))
    categories = build(source)
    # One category per line: small, and a diff shows exactly which categories changed.
    text = "[\n" + ",\n".join(json.dumps(c, ensure_ascii=False) for c in categories) + "\n]\n"
    if args.check:
        current = args.out.read_text("utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is out of date; run tools/build_catalogue.py", file=sys.stderr)
            return 1
        print(f"{args.out} is up to date ({len(categories)} categories)")
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, "utf-8")
    counts: dict[str, int] = {}
    for c in categories:
        key = f"{c['scheme']} / {c['kind']}"
        counts[key] = counts.get(key, 0) + 1
    print(f"wrote {len(categories)} categories to {args.out}")
    for key, n in sorted(counts.items()):
        print(f"  {key}: {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
