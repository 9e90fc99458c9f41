"""Cooldowns, logs and metrics end to end."""
