"""The marketplace site's generated pages and charts, from index/v1 alone.
"""
