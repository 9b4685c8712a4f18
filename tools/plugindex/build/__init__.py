"""The build: ``builder`` is the one place that orders the stages (read -> validate ->
registry rules -> history -> resolve -> score -> render -> publish) and times each with
``Timings.stage``; ``cache`` keeps what the last build learned; ``index`` renders the
deterministic bytes of index/v1. Publication goes through ``fsutil.publish_tree``.
"""
