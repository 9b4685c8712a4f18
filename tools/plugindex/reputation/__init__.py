"""Contributor reputation from main's history: ``ledger`` (pure: commits -> awards ->
contributors), ``gather`` (its git adapter and the saved ledger), ``identity`` (who a commit's
people are: noreply logins, trusted links, bots, trailers).
"""
