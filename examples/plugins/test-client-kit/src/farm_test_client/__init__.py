"""Pytest fixtures and helpers for testing FARM applications."""

from farm_test_client.plugin import json_subset_diff, register

__all__ = ["json_subset_diff", "register"]
