"""Full-text search (whoosh), related plugins, name neighbours and lookalikes.
"""
