"""Serve the kit's JSX components and a theme stylesheet."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

COMPONENTS_DIR = Path(__file__).parent / "components"
EXPORT = re.compile(r"^export\s+(?:default\s+)?function\s+([A-Z][A-Za-z0-9]*)", re.MULTILINE)

DEFAULT_THEME: dict[str, Any] = {
    "color": {"primary": "#2f6f4f", "surface": "#ffffff", "text": "#1b1f1d", "danger": "#b3261e"},
    "radius": {"sm": "4px", "md": "8px"},
    "space": {"1": "4px", "2": "8px", "3": "16px", "4": "24px"},
    "font": {"family": "Inter, system-ui, sans-serif"},
}


def _flatten(tokens: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tokens.items():
        name = f"{prefix}-{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            flat.update(_flatten(value, name))
        else:
            flat[name] = str(value)
    return flat


def theme_to_css(theme: Mapping[str, Any], selector: str = ":root") -> str:
    """Design tokens -> CSS custom properties (``--farm-color-primary``)."""
    lines = [f"  --farm-{name}: {value};" for name, value in sorted(_flatten(theme).items())]
    return selector + " {\n" + "\n".join(lines) + "\n}\n"


def merge_theme(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge_theme(merged[key], value)
        else:
            merged[key] = value
    return merged


def component_manifest(directory: Path = COMPONENTS_DIR, mount: str = "/ui-kit") -> dict[str, Any]:
    """Name -> URL (with a content hash for cache busting) of each exported component."""
    components = {}
    for path in sorted(directory.glob("*.jsx")):
        source = path.read_text(encoding="utf-8")
        digest = hashlib.sha256(source.encode()).hexdigest()[:10]
        for name in EXPORT.findall(source):
            components[name] = f"{mount}/components/{path.name}?v={digest}"
    return {"components": components, "stylesheet": f"{mount}/theme.css"}


def register(app: FastAPI, config: Mapping[str, Any] | None = None) -> None:
    config = dict(config or {})
    mount = config.get("mount", "/ui-kit")
    css = theme_to_css(merge_theme(DEFAULT_THEME, config.get("theme", {})))
    manifest = component_manifest(mount=mount)
    router = APIRouter(prefix=mount, tags=["ui"])

    @router.get("/theme.css", include_in_schema=False)
    async def theme() -> Response:
        return Response(css, media_type="text/css",
                        headers={"Cache-Control": "public, max-age=3600"})

    @router.get("/manifest.json")
    async def components() -> dict[str, Any]:
        return manifest

    app.include_router(router)
    app.mount(f"{mount}/components", StaticFiles(directory=COMPONENTS_DIR), name="ui-kit-components")
