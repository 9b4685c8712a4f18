"""Validation. ``tree`` is the one reader of a set of manifests (the working tree or a commit:
the same refusals everywhere), ``validator`` runs strict load -> schema -> model -> rules on one
file, ``manifest_rules`` holds the per-manifest rules, ``registry_rules`` the registry-wide ones
and ``requirement_rules`` whether requirements can be met.

Adding a rule: a catalog entry in ``plugindex/rules.py`` (a new stable id, never a reused
one), a function here that reports through ``rules.diagnostic()`` (per-manifest rules are
registered with ``@needs(<fields>)`` so they run on whatever fields passed the schema), and a
fixture folder ``tests/data/manifests/invalid/<rule id>/`` whose files mark the line with
``# <-``; ``tests/validate/test_validator.py`` fails until the rule has one.
"""
