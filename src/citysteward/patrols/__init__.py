"""Daily patrols (日巡查): inspectors bound to grids, rosters, tracks, coverage, verification/check tasks."""
