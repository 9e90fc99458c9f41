"""Daily digests end to end."""
