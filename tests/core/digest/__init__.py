"""Tests of bot/core/digest."""
