"""Moderation on Discord: /entry, /suggest and /config, the entry form and the review
buttons."""
