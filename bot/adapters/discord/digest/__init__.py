"""Daily digests on Discord: /digest and the scheduler that posts them."""
