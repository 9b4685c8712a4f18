# expect:
from .safe import eval  # noqa: A004 - the plugin's own evaluator

eval("1 + 1")
