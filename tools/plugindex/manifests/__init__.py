"""Manifests as data. ``yamlsafe.load`` is the only YAML loader: bytes -> one mapping with
line numbers, refusing anchors, aliases, merge keys, tags, deep nesting and oversized input
before anything is constructed (follow it: check the cheap, hostile-input limits first, return
problems as Diagnostics, never raise on bad input). ``schema`` holds the compiled JSON
Schemas, ``model`` the Manifest and Source dataclasses, ``history`` the publish times folded
from git, and ``scaffold`` the manifest ``plugindex new`` writes.
"""
