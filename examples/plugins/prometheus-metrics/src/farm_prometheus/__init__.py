from farm_prometheus.plugin import PrometheusMiddleware, register, route_template, status_class

__all__ = ["PrometheusMiddleware", "register", "route_template", "status_class"]
__version__ = "2.0.0"
