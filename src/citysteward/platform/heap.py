"""The worker's heap after start-up: what is loaded by then lives as long as the process.

Python's cyclic garbage collector now and then walks every tracked object (a full, "generation 2"
collection). A started worker holds some 250,000 of them — modules, routes, the OpenAPI document, the
reference data — and one such walk took about 110 ms, all of it on the event loop: the p99 spikes of
the HTTP benchmark (docs/performance.md, "Fourth round"). `settle` collects once and then moves every
surviving object to the permanent generation (`gc.freeze`), so later full collections walk only what
was made after the start. Objects frozen here are still freed by reference counting when dropped; only
a cycle among them would stay, which for start-up data is never.

Called once per worker process (citysteward.asgi), not by tests that build many applications in one
process.
"""

from __future__ import annotations

import gc


def settle() -> int:
    """Collect, then freeze what is left; the number of objects now outside the collector's walks."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
