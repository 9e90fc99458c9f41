"""Tests of bot/core/moderation."""
