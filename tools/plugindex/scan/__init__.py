"""The scan: ``scanner`` orders fetch -> scanners -> audit -> judgement, ``records`` keeps the
results under index/cache/, ``judge`` applies the registry's policy, ``targets`` names the
versions to scan.

The example to follow: ``RecordStore(root, trusted=...)`` believes a record only when it is
byte-identical to what the trusted side (the base branch) holds, and a record is only ever
read as what it is filed under: trust is decided by the reader, from facts it computes.
"""
