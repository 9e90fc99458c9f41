"""Tests of bot/store, on every backend (tier backend_contract)."""
