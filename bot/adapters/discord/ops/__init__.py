"""Running the bot: health checks and the interaction metrics and logs."""
