"""Serve a Vite production build from FastAPI, with correct asset tags and caching."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope


class ViteManifest:
    """Reads ``.vite/manifest.json`` (Vite 5) or ``manifest.json`` (Vite 4)."""

    def __init__(self, data: Mapping[str, Any], base: str = "/") -> None:
        self.data = data
        self.base = base if base.endswith("/") else base + "/"

    @classmethod
    def load(cls, dist: Path, base: str = "/") -> ViteManifest:
        for candidate in (dist / ".vite" / "manifest.json", dist / "manifest.json"):
            if candidate.is_file():
                return cls(json.loads(candidate.read_text(encoding="utf-8")), base)
        raise FileNotFoundError(f"no Vite manifest in {dist}; build with `vite build --manifest`")

    def _imports(self, key: str, seen: set[str]) -> list[str]:
        ordered: list[str] = []
        for dep in self.data[key].get("imports", []):
            if dep not in seen:
                seen.add(dep)
                ordered += self._imports(dep, seen) + [dep]
        return ordered

    def tags(self, entry: str) -> str:
        """``<script>``, ``<link rel=modulepreload>`` and stylesheet tags for ``entry``."""
        if entry not in self.data:
            raise KeyError(f"{entry!r} is not a Vite entry point")
        chunk = self.data[entry]
        deps = self._imports(entry, {entry})
        css: list[str] = []
        for key in [*deps, entry]:
            css += [c for c in self.data[key].get("css", []) if c not in css]
        url = lambda f: html.escape(self.base + f, quote=True)  # noqa: E731
        out = [f'<link rel="stylesheet" href="{url(c)}">' for c in css]
        out += [f'<link rel="modulepreload" href="{url(self.data[d]["file"])}">' for d in deps]
        out.append(f'<script type="module" src="{url(chunk["file"])}"></script>')
        return "\n".join(out)


class ImmutableStaticFiles(StaticFiles):
    """Hashed Vite assets never change, so browsers may cache them for a year."""

    async def get_response(self, path: str, scope: Scope):  # type: ignore[no-untyped-def]
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


def render_page(manifest: ViteManifest, entry: str, title: str) -> str:
    return (
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{html.escape(title)}</title>\n{manifest.tags(entry)}\n</head>\n"
        "<body><div id=\"root\"></div></body>\n</html>\n"
    )


def register(app: FastAPI, config: Mapping[str, Any] | None = None) -> None:
    config = dict(config or {})
    dist = Path(config.get("dist", "frontend/dist")).resolve()
    base = config.get("base", "/")
    manifest = ViteManifest.load(dist, base)
    page = render_page(manifest, config.get("entry", "index.html"), config.get("title", "FARM"))
    app.mount(base.rstrip("/") + "/assets", ImmutableStaticFiles(directory=dist / "assets"),
              name="vite-assets")

    @app.get(base.rstrip("/") + "/{spa_path:path}", include_in_schema=False)
    async def spa(spa_path: str, request: Request) -> HTMLResponse:
        return HTMLResponse(page, headers={"Cache-Control": "no-cache"})
