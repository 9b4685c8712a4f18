"""What reads a fetched source: each scanner is one module implementing the protocol
documented in ``base.py`` (``SourceScanner``: its docstring is the guide for the next one),
registered in one table, ``registry.SCANNERS``. It runs on a sealed, read-only tree and reads
files as data, or runs a tool through the sealed runner (``adapters/proc.run_sealed``). Also
here: the dependency audit (``pipaudit``), the advisory database (``osvdb``) and the local OSV
endpoint (``osvserver``).
"""
