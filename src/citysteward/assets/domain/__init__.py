"""assets: pure rules and dataclasses (no database, no web): roads (道路), components (部件) and
maintenance work (养护作业)."""
