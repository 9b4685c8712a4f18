import re

import pytest

from farm_admin_dashboard import page_params, parse_sort, search_filter


def test_default_sort_is_newest_first():
    assert parse_sort(None, ["name"]) == [("_id", -1)]


def test_sort_directions():
    assert parse_sort("-created_at, name", ["created_at", "name"]) == [("created_at", -1), ("name", 1)]


def test_sorting_by_unlisted_field_is_refused():
    with pytest.raises(ValueError):
        parse_sort("password_hash", ["name"])


def test_search_escapes_regex():
    query = search_filter("a.b*", ["name", "email"])
    assert query["$or"][0]["name"]["$regex"] == re.escape("a.b*")
    assert query["$or"][1]["email"]["$options"] == "i"


def test_empty_search():
    assert search_filter("", ["name"]) == {}
    assert search_filter("x", []) == {}


def test_paging_is_clamped():
    assert page_params(1, 25) == (0, 25)
    assert page_params(3, 10) == (20, 10)
    assert page_params(2, 10_000) == (200, 200)
