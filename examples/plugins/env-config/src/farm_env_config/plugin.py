"""Read ``farm.yaml``, overlay ``farm.<profile>.yaml``, expand ``${VAR:-default}``."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from fastapi import FastAPI, Request
from pydantic_settings import BaseSettings, SettingsConfigDict

VARIABLE = re.compile(r"\$\{(?P<name>[A-Z_][A-Z0-9_]*)(?::-(?P<default>[^}]*))?\}")


class EnvLoader(yaml.Loader):
    """YAML loader that also understands ``!env NAME``."""


def _env_constructor(loader: yaml.Loader, node: yaml.Node) -> str:
    name = loader.construct_scalar(node)
    return os.environ.get(name, "")


EnvLoader.add_constructor("!env", _env_constructor)


def interpolate(value: Any, env: Mapping[str, str] | None = None) -> Any:
    """Expand ``${VAR}`` and ``${VAR:-default}`` in every string of ``value``."""
    env = os.environ if env is None else env
    if isinstance(value, str):
        def replace(match: re.Match[str]) -> str:
            name, default = match["name"], match["default"]
            if name in env:
                return env[name]
            if default is not None:
                return default
            raise KeyError(f"environment variable {name} is not set and has no default")
        return VARIABLE.sub(replace, value)
    if isinstance(value, Mapping):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    return value


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=EnvLoader)
    return data or {}


def load_config(directory: Path = Path("."), profile: str | None = None) -> dict[str, Any]:
    profile = profile or os.environ.get("FARM_PROFILE", "development")
    config = deep_merge(_read(directory / "farm.yaml"), _read(directory / f"farm.{profile}.yaml"))
    config = interpolate(config)
    config.setdefault("profile", profile)
    return config


class FarmSettings(BaseSettings):
    """Typed core settings; environment variables (``FARM_*``) win over files."""

    model_config = SettingsConfigDict(env_prefix="FARM_", extra="ignore")

    profile: str = "development"
    debug: bool = False
    cors_origins: list[str] = []
    mongo_uri: str = "mongodb://localhost:27017"
    mongo_db: str = "farm"


def get_settings(request: Request) -> FarmSettings:
    return request.app.state.settings


def register(app: FastAPI, config: Mapping[str, Any] | None = None) -> None:
    config = dict(config or {})
    raw = load_config(Path(config.get("directory", ".")), config.get("profile"))
    app.state.config = raw
    app.state.settings = FarmSettings(**{k: v for k, v in raw.items() if k in FarmSettings.model_fields})
    app.debug = app.state.settings.debug
