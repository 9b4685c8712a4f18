"""registry.yaml turned into frozen settings (registry, scan, score, reputation). Imports no stage:
stages import their settings from here.
"""
