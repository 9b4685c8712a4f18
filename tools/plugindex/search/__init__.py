"""Search and similarity: ``engine`` (whoosh full-text search with filters and typo
tolerance), ``related`` (related plugins), ``names`` (name neighbours: typosquats) and
``lookalikes`` (a new manifest's neighbours and possible duplicates).
"""
