"""Contributor reputation from main's history: the pure ledger, its git adapter and store, and who
a commit's people are.
"""
