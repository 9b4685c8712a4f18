"""Dependency resolution over published releases (resolvelib), and the installability the build
records.
"""
