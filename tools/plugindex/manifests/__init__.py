"""Manifests as data: the strict YAML loader, the JSON Schemas, the model (Manifest, Source),
publish times from history, and the scaffold behind ``plugindex new``.
"""
