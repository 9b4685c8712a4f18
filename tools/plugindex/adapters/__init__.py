"""The edges: everything that talks to git, GitHub, the file system or another process lives here,
behind small functions, so that every stage above stays pure.
"""
