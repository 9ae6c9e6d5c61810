"""The demo city's stages beyond the case year, in order. Each is idempotent."""

from __future__ import annotations

from citysteward.demo import assets, campaigns, citizens, desk, flood, patrols, sensors, subsurface
from citysteward.demo.world import Stage

# Roads and components come before the cases: a pin near a road takes the road's rule.
BEFORE_CASES: tuple[Stage, ...] = (assets.seed,)
AFTER_CASES: tuple[Stage, ...] = (patrols.seed, desk.seed, subsurface.seed, flood.seed, campaigns.seed, citizens.seed,
                                  sensors.seed)
