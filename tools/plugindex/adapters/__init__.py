"""The edges: the only code that talks to git (``gitrepo``, whose ``git log`` output
``gitlog`` parses), GitHub (``github``, through PyGithub), the file system's atomic writes
(``fsutil``) and other processes (``proc``). Everything above them is pure and testable
without them.

The example to follow: ``fsutil.publish_tree`` assembles a whole new tree beside the old one
and swaps it in, and ``fsutil.recover`` undoes what a killed run left, so a reader never sees a
half-written index. An adapter returns plain values (frozen dataclasses, bytes, dicts) and turns
its failures into one of ``plugindex.errors``'s exceptions or a documented error value, never a
raw traceback.
"""
