"""A per-worker cache of derived values, each kept with the stamp it was derived from.

The caller reads the stamp (a cheap indexed read that changes whenever the value would) and gets the
value only if it was derived from that very stamp; otherwise it derives it again. So a value is never
served stale, whatever another worker wrote, and there is nothing to invalidate. Bounded: the least
recently used entries go first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any


class StampedCache:
    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self._data: OrderedDict[Hashable, tuple[object, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, stamp: object) -> Any | None:
        with self._lock:
            found = self._data.get(key)
            if found is None or found[0] != stamp:
                return None
            self._data.move_to_end(key)
            return found[1]

    def put(self, key: Hashable, stamp: object, value: Any) -> None:
        with self._lock:
            self._data[key] = (stamp, value)
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


class SharedAnswer(dict[str, Any]):
    """A dict answer kept and handed to many callers as it is (a kept ledger page): nobody changes it, so
    an edge that turns it into bytes keeps them in `rendered` and writes them once (platform/http/fastjson.py)."""

    __slots__ = ("rendered",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rendered: bytes | None = None
