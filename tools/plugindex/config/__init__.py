"""registry.yaml as frozen settings: ``registry`` (the whole file, checked against its schema),
``scan`` (bandit, policy, limits), ``score`` (every check's specification, weights and tiers)
and ``reputation`` (points, levels, badges). This package imports no stage; stages import
their settings from here, so a setting is defined once and the site, the docs and the code
read the same value.
"""
