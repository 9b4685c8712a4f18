"""Resolution over published releases: ``resolver`` (a linear fast path, then resolvelib, the
resolver inside pip), ``releases`` (the resolver's view of manifests, of the build cache's
compact texts and of the published index) and ``installability`` (what the build records:
requirement checks per host, the latest version's install plan, dependency cones).
"""
