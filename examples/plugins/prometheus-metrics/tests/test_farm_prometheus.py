import pytest
from prometheus_client import CollectorRegistry
from starlette.routing import Route, Router

from farm_prometheus import route_template, status_class
from farm_prometheus.plugin import Metrics


def endpoint(request):
    return None


ROUTER = Router(routes=[Route("/items/{item_id}", endpoint), Route("/health", endpoint)])


def scope(path, method="GET"):
    return {"type": "http", "path": path, "method": method, "root_path": ""}


def test_templates_keep_cardinality_low():
    assert route_template(ROUTER, scope("/items/42")) == "/items/{item_id}"
    assert route_template(ROUTER, scope("/items/43")) == "/items/{item_id}"


def test_unmatched_paths_share_one_label():
    assert route_template(ROUTER, scope("/wp-login.php")) == "<unmatched>"


@pytest.mark.parametrize(("code", "label"), [(200, "2xx"), (204, "2xx"), (404, "4xx"), (503, "5xx"), (999, "other")])
def test_status_class(code, label):
    assert status_class(code) == label


def test_metrics_register_in_private_registry():
    registry = CollectorRegistry()
    metrics = Metrics(registry, namespace="shop")
    metrics.requests.labels("GET", "/health", "2xx").inc()
    value = registry.get_sample_value("shop_http_requests_total",
                                      {"method": "GET", "route": "/health", "status": "2xx"})
    assert value == 1.0
