import asyncio

import pytest

from farm_event_tracking import EventBuffer, anonymize_ip, clean_properties


@pytest.mark.parametrize(("ip", "expected"), [
    ("203.0.113.77", "203.0.113.0"),
    ("2001:db8:85a3:1234:5678:8a2e:370:7334", "2001:db8:85a3::"),
    ("not-an-ip", None),
    (None, None),
])
def test_anonymize_ip(ip, expected):
    assert anonymize_ip(ip) == expected


def test_clean_properties_drops_nested_and_dangerous_keys():
    props = {"plan": "pro", "seats": 3, "nested": {"a": 1}, "$where": "x", "a.b": True}
    assert clean_properties(props) == {"plan": "pro", "seats": 3, "where": "x", "a_b": True}


def test_clean_properties_truncates():
    cleaned = clean_properties({f"k{i}": "v" * 1000 for i in range(40)})
    assert len(cleaned) == 25
    assert all(len(v) == 256 for v in cleaned.values())


def test_buffer_flushes_when_full_and_on_demand():
    batches = []

    async def sink(batch):
        batches.append(len(batch))

    async def scenario():
        buffer = EventBuffer(sink, max_size=3)
        await buffer.add([{}, {}])
        await buffer.add([{}, {}])
        await buffer.add([{}])
        return await buffer.flush(), await buffer.flush()

    assert asyncio.run(scenario()) == (1, 0)
    assert batches == [4, 1]
