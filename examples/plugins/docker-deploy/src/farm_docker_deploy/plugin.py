"""``farm deploy``: build the React front end and FastAPI back end into one image."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import typer

cli = typer.Typer(help="Build, tag and push a container image of a FARM app.")

DOCKERFILE = """\
# syntax=docker/dockerfile:1
FROM node:{node}-alpine AS frontend
WORKDIR /src
COPY frontend/package*.json ./
RUN npm ci
COPY frontend/ ./
RUN npx vite build --manifest

FROM python:{python}-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY backend/ ./
COPY --from=frontend /src/dist ./frontend/dist
RUN useradd --system --uid 10001 farm
USER farm
EXPOSE {port}
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:{port}/healthz')"
CMD ["uvicorn", "app:app", "--host", "0.0.0.0", "--port", "{port}", "--proxy-headers"]
"""


def dockerfile(python: str = "3.12", node: str = "20", port: int = 8000) -> str:
    if not re.fullmatch(r"3\.\d{1,2}", python):
        raise ValueError(f"unsupported Python version {python!r}")
    return DOCKERFILE.format(python=python, node=node, port=port)


def image_tag(registry: str, name: str, git_sha: str | None = None, now: datetime | None = None) -> str:
    """``registry/name:2024.05.01-abc1234`` - sortable and traceable to a commit."""
    now = now or datetime.now(timezone.utc)
    suffix = f"-{git_sha[:7]}" if git_sha else ""
    return f"{registry.rstrip('/')}/{name}:{now:%Y.%m.%d}{suffix}"


def _git_sha(project: Path) -> str | None:
    result = subprocess.run(["git", "rev-parse", "HEAD"], cwd=project, capture_output=True,
                            text=True, check=False)
    return result.stdout.strip() or None


def run(command: str, project: Path) -> None:
    typer.echo(f"$ {command}")
    subprocess.run(command, shell=True, cwd=project, check=True)


@cli.command()
def build(project: Path = Path("."), registry: str = "ghcr.io/acme", name: str = "farm-app",
          platform: str = "linux/amd64", push: bool = False, python: str = "3.12") -> None:
    target = project / "Dockerfile"
    if not target.exists():
        target.write_text(dockerfile(python=python), encoding="utf-8")
        typer.echo(f"wrote {target}")
    tag = image_tag(registry, name, _git_sha(project))
    run(f"docker build --platform {platform} -t {tag} -t {registry}/{name}:latest .", project)
    if push:
        run(f"docker push {tag} && docker push {registry}/{name}:latest", project)
    typer.echo(tag)


def register(app: Any = None, config: Mapping[str, Any] | None = None) -> typer.Typer:
    return cli
