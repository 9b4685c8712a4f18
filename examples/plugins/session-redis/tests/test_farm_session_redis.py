import pytest

from farm_session_redis import decode, encode


def test_encode_is_compact_and_sorted():
    assert encode({"b": 1, "a": [1, 2]}) == '{"a":[1,2],"b":1}'


def test_round_trip():
    data = {"user": "42", "cart": ["apple"], "flags": {"beta": True}}
    assert decode(encode(data)) == data


@pytest.mark.parametrize("raw", [None, "", b"", "not json", "[1, 2]", "42"])
def test_bad_payloads_become_empty_sessions(raw):
    assert decode(raw) == {}


def test_oversized_session_is_refused():
    with pytest.raises(ValueError):
        encode({"blob": "x" * 20_000})
