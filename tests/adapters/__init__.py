"""Tests of bot/adapters."""
