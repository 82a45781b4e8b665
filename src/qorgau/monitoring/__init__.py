"""Remote monitoring: the monitoring center for court-ordered electronic monitoring."""
