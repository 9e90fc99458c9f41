"""Tests of bot/core (those on a real store backend are backend_contract by the fixtures they
use)."""
