"""Package discovery, which pyproject.toml alone cannot express here: every package under
tools/ (found, never listed by hand, so that a new subpackage always ships), plus the JSON
Schemas of schemas/ as the package plugindex.schemas. Everything else is in pyproject.toml."""

from setuptools import find_packages, setup

setup(packages=[*find_packages("tools", include=["plugindex", "plugindex.*"]),
                "plugindex.schemas"])
