"""Moderation end to end."""
