"""JSON Schemas of plugindex (manifest, registry, index), shipped as package data."""
