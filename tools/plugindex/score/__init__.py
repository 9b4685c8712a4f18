"""The quality score: the model, each check, the scores of a plugin's versions, and the scoring
page generated from the same table.
"""
