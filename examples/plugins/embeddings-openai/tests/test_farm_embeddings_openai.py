import numpy as np
import pytest

from farm_embeddings_openai import batched, cosine_similarity
from farm_embeddings_openai.plugin import normalise, prepare


def test_batched_splits_evenly_and_keeps_remainder():
    assert [list(b) for b in batched(["a", "b", "c", "d", "e"], 2)] == [["a", "b"], ["c", "d"], ["e"]]


def test_batched_rejects_zero():
    with pytest.raises(ValueError):
        list(batched(["a"], 0))


def test_prepare_never_returns_empty():
    assert prepare("  \n\t ") == " "
    assert prepare("hello \n world") == "hello world"


def test_normalise_handles_zero_vectors():
    out = normalise(np.array([[3.0, 4.0], [0.0, 0.0]]))
    assert np.allclose(out[0], [0.6, 0.8])
    assert np.allclose(out[1], [0.0, 0.0])


def test_cosine():
    assert cosine_similarity([1, 0], [1, 0]) == pytest.approx(1.0)
    assert cosine_similarity([1, 0], [0, 1]) == pytest.approx(0.0)
    assert cosine_similarity([0, 0], [1, 1]) == 0.0
