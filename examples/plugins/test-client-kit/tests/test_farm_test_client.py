from farm_test_client import json_subset_diff


def test_extra_keys_are_fine():
    assert json_subset_diff({"id": 1}, {"id": 1, "name": "x"}) == []


def test_missing_and_wrong_values_are_reported_with_paths():
    problems = json_subset_diff({"user": {"id": 1, "email": "a@b.c"}}, {"user": {"id": 2}})
    assert problems == ["$.user.id: expected 1, got 2", "$.user.email: missing"]


def test_ellipsis_matches_anything():
    assert json_subset_diff({"id": ..., "tags": [..., "b"]}, {"id": "64f0", "tags": ["a", "b"]}) == []


def test_list_length_must_match():
    assert json_subset_diff([1, 2], [1, 2, 3]) == ["$: expected a list of 2, got [1, 2, 3]"]


def test_type_mismatch():
    assert json_subset_diff({"a": 1}, [1]) == ["$: expected an object, got list"]
