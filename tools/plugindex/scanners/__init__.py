"""The tools that read a fetched source (bandit, pip-audit, the permission detector, lock files,
the quality facts) and the advisory database they consult.
"""
