"""Summarise py-spy's collapsed stacks (`bench/http.py --pyspy DIR`): the share of samples in which
each function appears (inclusive), CitySteward's and the libraries' alike, idle threads left out.

    .venv/bin/python bench/stacks.py var/bench/spy/sqlite-list-2w.txt [--top 40] [--grep citysteward]
"""

from __future__ import annotations

import argparse
import re
from collections import Counter

# Leaves where a thread waits rather than works: the event loop's poll, idle pool threads, queues.
IDLE = re.compile(r"^(\S*\.)?(select|poll|wait|get|_wait_for_tstate_lock|acquire|sleep) \((selectors|threading|queue|"
                  r"asyncio/\w+|concurrent/futures/\w+)\.py")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--grep", default="")
    args = ap.parse_args()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in open(args.file, encoding="utf-8"):
        stack, _, count = line.rstrip().rpartition(" ")
        frames = stack.split(";")
        if not frames or IDLE.match(frames[-1]):
            continue
        n = int(count)
        total += n
        for frame in set(frames[1:]):
            inclusive[re.sub(r":\d+\)$", ")", frame)] += n
    print(f"{total:,} busy samples")
    for frame, n in inclusive.most_common():
        if args.grep and args.grep not in frame:
            continue
        print(f"{100 * n / max(total, 1):5.1f}%  {frame}")
        args.top -= 1
        if args.top <= 0:
            break


if __name__ == "__main__":
    main()
