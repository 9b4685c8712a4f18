"""Fetching a plugin's source into a directory without running any of it: ``source`` (git,
archive and in-repository sources), ``download`` (capped, bounded retries), ``archive``
(member-by-member extraction) and ``problems``.

The example to follow: a failure is a value with a stable code, ``SourceRefused`` (never
retried) or ``FetchFailed`` (``transient`` or not), and ``problems.retrying`` is the one retry
loop; a scan records the problem as a skip with its reason, never as a clean scan.
"""
