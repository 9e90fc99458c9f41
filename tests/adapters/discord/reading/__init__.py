"""The read commands end to end."""
