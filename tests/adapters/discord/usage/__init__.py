"""/stats end to end."""
