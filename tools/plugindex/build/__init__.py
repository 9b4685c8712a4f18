"""The build: the one place that orders validate -> resolve -> score -> render -> publish
(``fsutil.publish_tree``/``recover``), with its cache and the index renderer. ``Timings.stage``
times each stage.
"""
