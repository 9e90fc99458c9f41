"""Tests of the curated data in data/."""
