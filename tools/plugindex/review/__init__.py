"""The pull-request review: gather (git -> ReviewInputs), the pure verdict, and the comment
(escaped with ``md``).
"""
