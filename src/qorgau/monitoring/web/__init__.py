"""Pages of the monitoring center (routes in :mod:`.routes`, templates and the script beside it)."""
