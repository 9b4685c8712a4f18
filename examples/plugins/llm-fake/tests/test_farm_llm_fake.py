import asyncio

import pytest

from farm_llm_fake import FakeLLM


def ask(llm, text):
    return asyncio.run(llm.complete({"messages": [{"role": "user", "content": text}]}))


def test_echo_by_default():
    assert ask(FakeLLM(), "hello").content == "echo: hello"


def test_script_with_groups():
    llm = FakeLLM().on(r"capital of (\w+)", r"I don't know the capital of \1.")
    assert ask(llm, "What is the capital of Norway?").content == "I don't know the capital of Norway."


def test_calls_are_recorded_and_tokens_counted():
    llm = FakeLLM(default="Fine, thanks!")
    reply = ask(llm, "How are you?")
    assert llm.calls == [[{"role": "user", "content": "How are you?"}]]
    assert (reply.prompt_tokens, reply.completion_tokens) == (4, 4)


def test_scripted_failures():
    llm = FakeLLM().fail()
    with pytest.raises(RuntimeError):
        ask(llm, "x")
    assert ask(llm, "x").content == "echo: x"
