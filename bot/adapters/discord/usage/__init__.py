"""Usage on Discord: /stats."""
