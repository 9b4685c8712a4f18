from farm_redis_cache import cache_key
from farm_redis_cache.plugin import PREFIX, is_cacheable


def test_key_ignores_query_order():
    a = cache_key("get", "/api/items", [("page", "2"), ("size", "10")])
    b = cache_key("GET", "/api/items", [("size", "10"), ("page", "2")])
    assert a == b
    assert a.startswith(PREFIX)


def test_key_depends_on_vary_headers():
    en = cache_key("GET", "/api/items", [], {"Accept-Language": "en"})
    de = cache_key("GET", "/api/items", [], {"accept-language": "de"})
    assert en != de


def test_only_successful_reads_are_cached():
    assert is_cacheable("GET", 200, {})
    assert not is_cacheable("POST", 200, {})
    assert not is_cacheable("GET", 404, {})
    assert not is_cacheable("GET", 200, {"cache-control": "private, max-age=0"})
