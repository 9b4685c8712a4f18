"""Fetching a plugin's source, never running any of it: git, archive and in-repository sources,
with caps. Problems are values (``SourceProblem`` with ``retrying``).
"""
