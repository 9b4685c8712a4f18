import pytest

from farm_llm_anthropic import to_anthropic_messages


def test_system_prompt_is_split_out():
    system, turns = to_anthropic_messages([
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
    ])
    assert system == "Be brief."
    assert turns == [{"role": "user", "content": "Hi"}]


def test_consecutive_turns_are_merged():
    _, turns = to_anthropic_messages([
        {"role": "user", "content": "One"},
        {"role": "user", "content": "Two"},
        {"role": "assistant", "content": "Three"},
    ])
    assert turns == [
        {"role": "user", "content": "One\n\nTwo"},
        {"role": "assistant", "content": "Three"},
    ]


def test_conversation_must_start_with_user():
    _, turns = to_anthropic_messages([{"role": "assistant", "content": "Hello"}])
    assert turns[0]["role"] == "user"


def test_unknown_role():
    with pytest.raises(ValueError):
        to_anthropic_messages([{"role": "tool", "content": "{}"}])
