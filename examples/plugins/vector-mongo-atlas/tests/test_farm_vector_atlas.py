import pytest

from farm_vector_atlas import index_definition, search_pipeline


def test_index_definition_with_filters():
    assert index_definition("embedding", 3, filters=["tenant"]) == {
        "fields": [
            {"type": "vector", "path": "embedding", "numDimensions": 3, "similarity": "cosine"},
            {"type": "filter", "path": "tenant"},
        ]
    }


def test_index_definition_rejects_huge_vectors():
    with pytest.raises(ValueError):
        index_definition("embedding", 5000)


def test_pipeline_defaults():
    pipeline = search_pipeline([0.1, 0.2], index="ix", path="embedding", k=3)
    stage = pipeline[0]["$vectorSearch"]
    assert stage["limit"] == 3
    assert stage["numCandidates"] == 100
    assert "filter" not in stage
    assert pipeline[-1] == {"$project": {"embedding": 0}}


def test_pipeline_with_filter_threshold_and_projection():
    pipeline = search_pipeline([1.0], index="ix", path="v", k=20, filter={"tenant": "acme"},
                               min_score=0.75, project=["text"])
    assert pipeline[0]["$vectorSearch"]["numCandidates"] == 200
    assert pipeline[0]["$vectorSearch"]["filter"] == {"tenant": "acme"}
    assert {"$match": {"score": {"$gte": 0.75}}} in pipeline
    assert pipeline[-1] == {"$project": {"score": 1, "text": 1}}


def test_k_must_be_positive():
    with pytest.raises(ValueError):
        search_pipeline([1.0], index="ix", path="v", k=0)
