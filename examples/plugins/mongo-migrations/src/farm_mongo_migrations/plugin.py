"""Discover migration modules, work out what is pending and apply it."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

import typer
from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorDatabase

HISTORY = "_farm_migrations"
FILENAME = re.compile(r"^(?P<number>\d{4})_(?P<slug>[a-z0-9_]+)\.py$")

cli = typer.Typer(help="MongoDB schema migrations.")


@dataclass(frozen=True, order=True)
class Migration:
    number: int
    slug: str
    path: Path

    @property
    def id(self) -> str:
        return f"{self.number:04d}_{self.slug}"

    def load(self) -> ModuleType:
        spec = importlib.util.spec_from_file_location(f"farm_migration_{self.id}", self.path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load migration {self.path}")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        if not hasattr(module, "up"):
            raise AttributeError(f"migration {self.id} has no 'up' coroutine")
        return module


def discover(directory: Path) -> list[Migration]:
    """Return migrations in ``directory`` ordered by number; duplicates are an error."""
    found: dict[int, Migration] = {}
    for path in sorted(directory.glob("*.py")):
        match = FILENAME.match(path.name)
        if not match:
            continue
        number = int(match["number"])
        if number in found:
            raise ValueError(f"duplicate migration number {number:04d}: {path.name}")
        found[number] = Migration(number, match["slug"], path)
    return [found[n] for n in sorted(found)]


def plan(available: list[Migration], applied: set[str], target: int | None = None) -> list[Migration]:
    """Migrations to run, in order, to reach ``target`` (default: the newest)."""
    return [
        m for m in available
        if m.id not in applied and (target is None or m.number <= target)
    ]


async def applied_ids(db: AsyncIOMotorDatabase) -> set[str]:
    return {doc["_id"] async for doc in db[HISTORY].find({}, {"_id": 1})}


async def migrate(db: AsyncIOMotorDatabase, directory: Path, target: int | None = None) -> list[str]:
    done = []
    for migration in plan(discover(directory), await applied_ids(db), target):
        await migration.load().up(db)
        await db[HISTORY].insert_one(
            {"_id": migration.id, "applied_at": datetime.now(timezone.utc)}
        )
        done.append(migration.id)
    return done


async def rollback(db: AsyncIOMotorDatabase, directory: Path, steps: int = 1) -> list[str]:
    applied = await applied_ids(db)
    undone = []
    for migration in [m for m in reversed(discover(directory)) if m.id in applied][:steps]:
        module = migration.load()
        if not hasattr(module, "down"):
            raise RuntimeError(f"migration {migration.id} is not reversible")
        await module.down(db)
        await db[HISTORY].delete_one({"_id": migration.id})
        undone.append(migration.id)
    return undone


def _db() -> AsyncIOMotorDatabase:
    client: AsyncIOMotorClient = AsyncIOMotorClient(
        os.environ.get("FARM_MONGO_URI", "mongodb://localhost:27017")
    )
    return client[os.environ.get("FARM_MONGO_DB", "farm")]


@cli.command("up")
def up_command(directory: Path = Path("migrations"), target: int | None = None) -> None:
    for ident in asyncio.run(migrate(_db(), directory, target)) or ["nothing to do"]:
        typer.echo(ident)


@cli.command("down")
def down_command(directory: Path = Path("migrations"), steps: int = 1) -> None:
    for ident in asyncio.run(rollback(_db(), directory, steps)):
        typer.echo(f"reverted {ident}")


def register(app: Any, config: dict[str, Any] | None = None) -> typer.Typer:
    """Expose the ``farm migrate`` command group; optionally migrate on startup."""
    config = config or {}
    if config.get("run_on_startup"):
        directory = Path(config.get("directory", "migrations"))

        async def _startup() -> None:
            await migrate(app.state.mongo_db, directory)

        app.add_event_handler("startup", _startup)
    return cli
