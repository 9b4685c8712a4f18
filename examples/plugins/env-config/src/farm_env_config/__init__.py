"""Layered configuration for FARM apps: farm.yaml + profile + environment."""

from farm_env_config.plugin import FarmSettings, deep_merge, interpolate, load_config, register

__all__ = ["FarmSettings", "deep_merge", "interpolate", "load_config", "register"]
