"""Tests of bot/core/render: the answers as messages."""
