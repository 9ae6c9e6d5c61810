"""Daily patrols (日巡查): pure rules — configuration, tracks and their summaries, task assignment,
figures. No database, no web."""
