import asyncio

import pytest

from farm_health import HealthRegistry


async def ok():
    return True


async def broken():
    raise ConnectionError("refused")


async def slow():
    await asyncio.sleep(1)


def run(registry):
    results = asyncio.run(registry.run())
    return results, registry.summarise(results)


def test_all_ok():
    registry = HealthRegistry()
    registry.add("db", ok)
    _, summary = run(registry)
    assert summary == ("ok", 200)


def test_non_critical_failure_degrades():
    registry = HealthRegistry()
    registry.add("db", ok)
    registry.add("search", broken, critical=False)
    results, summary = run(registry)
    assert summary == ("degraded", 200)
    assert results[1].error == "ConnectionError: refused"


def test_critical_timeout_fails():
    registry = HealthRegistry(timeout=0.01)
    registry.add("db", slow)
    results, summary = run(registry)
    assert summary == ("failing", 503)
    assert "timed out" in results[0].error


def test_listeners_see_results():
    seen = []

    async def listener(results):
        seen.extend(r.name for r in results)

    registry = HealthRegistry()
    registry.add("db", ok)
    registry.listeners.append(listener)
    run(registry)
    assert seen == ["db"]


def test_duplicate_names():
    registry = HealthRegistry()
    registry.add("db", ok)
    with pytest.raises(ValueError):
        registry.add("db", ok)
