import pytest
from pydantic import ValidationError

from farm_llm_openai import ChatMessage, redact_headers
from farm_llm_openai.plugin import ChatRequest, build_payload, parse_reply


def test_authorization_is_redacted_case_insensitively():
    headers = {"Authorization": "Bearer sk-live", "Content-Type": "application/json"}
    assert redact_headers(headers) == {"Authorization": "***", "Content-Type": "application/json"}


def test_payload_omits_unset_max_tokens():
    req = ChatRequest(messages=[ChatMessage(role="user", content="hi")])
    payload = build_payload("gpt-4o-mini", req)
    assert payload == {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "hi"}],
        "temperature": 0.2,
    }


def test_empty_conversation_is_invalid():
    with pytest.raises(ValidationError):
        ChatRequest(messages=[])


def test_parse_reply_reads_usage():
    reply = parse_reply({
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{"message": {"role": "assistant", "content": "Hello!"}}],
        "usage": {"prompt_tokens": 9, "completion_tokens": 3},
    })
    assert reply.content == "Hello!"
    assert (reply.prompt_tokens, reply.completion_tokens) == (9, 3)


def test_parse_reply_tolerates_null_content():
    reply = parse_reply({"choices": [{"message": {"content": None}}]})
    assert reply.content == ""
