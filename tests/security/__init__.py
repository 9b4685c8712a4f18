"""Regression tests for attacks on the registry, one module per attack (as python-tuf keeps
them): each reproduces what a hostile pull request or input did, and asserts it no longer
works."""
