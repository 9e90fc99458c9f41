"""Usage: how each server uses the bot and the questions it could not answer (``/stats``).

Public: ``service``, ``render``."""
