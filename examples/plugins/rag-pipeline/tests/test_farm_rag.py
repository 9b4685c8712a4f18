import pytest

from farm_rag import build_prompt, chunk_text


def test_chunks_overlap():
    text = " ".join(str(i) for i in range(10))
    assert chunk_text(text, size=4, overlap=1) == ["0 1 2 3", "3 4 5 6", "6 7 8 9"]


def test_short_text_is_one_chunk():
    assert chunk_text("just a few words", size=50, overlap=10) == ["just a few words"]


def test_empty_text():
    assert chunk_text("   ") == []


@pytest.mark.parametrize(("size", "overlap"), [(0, 0), (10, 10), (10, -1)])
def test_invalid_parameters(size, overlap):
    with pytest.raises(ValueError):
        chunk_text("a b c", size=size, overlap=overlap)


def test_prompt_numbers_sources():
    messages = build_prompt("Why?", [{"text": "Because.", "source": "faq.md"}])
    assert messages[0]["role"] == "system"
    assert "[1] (faq.md) Because." in messages[1]["content"]
    assert messages[1]["content"].endswith("Question: Why?")


def test_prompt_respects_budget():
    hits = [{"text": "x" * 100, "source": str(i)} for i in range(10)]
    content = build_prompt("q", hits, max_chars=350)[1]["content"]
    assert "[3]" in content and "[4]" not in content


def test_prompt_without_hits():
    assert "(no sources found)" in build_prompt("q", [])[1]["content"]
