"""The marketplace's generated pages, from index/v1 alone (the site is one more consumer of
the public contract): ``pages`` (every page; manifest text escaped, descriptions rendered
under a budget), ``charts`` (build-time SVG) and ``rules`` (the rules page, from the catalog).
"""
