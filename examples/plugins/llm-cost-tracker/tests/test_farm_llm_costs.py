import asyncio
from decimal import Decimal
from types import SimpleNamespace

import pytest

from farm_llm_costs import cost_usd, normalise_model
from farm_llm_costs.plugin import instrument


@pytest.mark.parametrize(("raw", "model"), [
    ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
    ("gpt-3.5-turbo-0125", "gpt-3.5-turbo"),
    (" GPT-4o ", "gpt-4o"),
])
def test_normalise_model(raw, model):
    assert normalise_model(raw) == model


def test_cost():
    assert cost_usd("gpt-4o-mini-2024-07-18", 1_000_000, 500_000) == Decimal("0.450000")
    assert cost_usd("gpt-4o", 1234, 56) == Decimal("0.003645")


def test_unknown_model():
    assert cost_usd("my-finetune", 10, 10) is None


def test_instrument_records_usage():
    events = []

    class Model:
        async def complete(self, request):
            return SimpleNamespace(content="hi", model="gpt-4o", prompt_tokens=100, completion_tokens=10)

    async def record(batch):
        events.extend(batch)

    llm = instrument(Model(), record, feature="support-bot")
    reply = asyncio.run(llm.complete({"messages": []}))
    assert reply.content == "hi"
    assert events[0]["properties"]["feature"] == "support-bot"
    assert events[0]["properties"]["cost_usd"] == pytest.approx(0.00035)
