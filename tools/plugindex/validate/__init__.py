"""Validation: the one reader of a set of manifests, the per-manifest rules, the registry-wide
rules and the requirement rules. Every problem is a Diagnostic made with ``rules.diagnostic()``;
a new rule is a catalog entry in ``rules.py``, a function here, and a fixture folder
``tests/data/manifests/invalid/<rule>/``.
"""
