"""The quality score: ``model`` (facts -> a 0-100 score, each check's evaluator registered by
its id in one table; the checks' specifications and settings are in ``config/score.py``),
``versions`` (the scores and badges of a plugin's versions, from what the build holds) and
``page`` (the scoring page, generated from the same table).
"""
