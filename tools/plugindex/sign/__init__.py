"""Signed metadata over index/v1 (The Update Framework) and the client that verifies it."""
