"""Reports over event-tracking's ``events`` collection."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from fastapi import APIRouter, FastAPI, Query, Request


def _since(days: int) -> datetime:
    return datetime.now(timezone.utc) - timedelta(days=days)


def daily_active_users_pipeline(days: int, tz: str = "UTC") -> list[dict[str, Any]]:
    return [
        {"$match": {"ts": {"$gte": _since(days)}}},
        {"$group": {
            "_id": {"day": {"$dateToString": {"format": "%Y-%m-%d", "date": "$ts", "timezone": tz}},
                    "who": {"$ifNull": ["$user_id", "$anonymous_id"]}},
        }},
        {"$group": {"_id": "$_id.day", "users": {"$sum": 1}}},
        {"$sort": {"_id": 1}},
        {"$project": {"_id": 0, "day": "$_id", "users": 1}},
    ]


def top_events_pipeline(days: int, limit: int) -> list[dict[str, Any]]:
    return [
        {"$match": {"ts": {"$gte": _since(days)}}},
        {"$group": {"_id": "$name", "count": {"$sum": 1},
                    "users": {"$addToSet": {"$ifNull": ["$user_id", "$anonymous_id"]}}}},
        {"$project": {"_id": 0, "name": "$_id", "count": 1, "users": {"$size": "$users"}}},
        {"$sort": {"count": -1}},
        {"$limit": limit},
    ]


def funnel(steps: Sequence[str], first_seen: Mapping[str, Mapping[str, datetime]]) -> list[dict[str, Any]]:
    """Ordered funnel: a user counts for step n if they did steps 1..n in order.

    ``first_seen`` maps user -> {event name -> first time}.
    """
    report = []
    remaining = dict(first_seen)
    for step in steps:
        remaining = {
            user: seen for user, seen in remaining.items()
            if step in seen and all(seen[step] >= seen[s] for s in steps[:steps.index(step)] if s in seen)
        }
        report.append({"step": step, "users": len(remaining)})
    top = report[0]["users"] if report else 0
    for row in report:
        row["conversion"] = round(row["users"] / top, 4) if top else 0.0
    return report


router = APIRouter(prefix="/reports", tags=["analytics"])


@router.get("/dau")
async def dau(request: Request, days: int = Query(30, ge=1, le=366)) -> list[dict[str, Any]]:
    events = request.app.state.mongo_db["events"]
    return [row async for row in events.aggregate(daily_active_users_pipeline(days))]


@router.get("/top-events")
async def top_events(request: Request, days: int = Query(7, ge=1, le=366),
                     limit: int = Query(20, ge=1, le=100)) -> list[dict[str, Any]]:
    events = request.app.state.mongo_db["events"]
    return [row async for row in events.aggregate(top_events_pipeline(days, limit))]


@router.get("/funnel")
async def funnel_report(request: Request, steps: list[str] = Query(..., min_length=2, max_length=8),
                        days: int = Query(30, ge=1, le=366)) -> list[dict[str, Any]]:
    events = request.app.state.mongo_db["events"]
    pipeline = [
        {"$match": {"ts": {"$gte": _since(days)}, "name": {"$in": steps}}},
        {"$group": {"_id": {"who": {"$ifNull": ["$user_id", "$anonymous_id"]}, "name": "$name"},
                    "first": {"$min": "$ts"}}},
    ]
    first_seen: dict[str, dict[str, datetime]] = {}
    async for row in events.aggregate(pipeline):
        first_seen.setdefault(row["_id"]["who"], {})[row["_id"]["name"]] = row["first"]
    return funnel(steps, first_seen)


def register(app: FastAPI, config: Mapping[str, Any] | None = None) -> None:
    app.include_router(router)
