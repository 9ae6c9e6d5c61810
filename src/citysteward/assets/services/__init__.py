"""assets: use cases over the unit of work. Other contexts (cases, flood, sensors) use the small API in
`services/components/` — `component_by_id`, `component_by_code`, `nearest_components` — and
`services/roads.py` — `road_at`."""
