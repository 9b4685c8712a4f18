"""The scan: fetch -> scanners -> judge, records under index/cache/ (``RecordStore(trusted=...)``),
and the versions a scan works on.
"""
