"""The health and metrics endpoints (tier e2e)."""
