"""The bot end to end through the fake Discord (tier e2e)."""
