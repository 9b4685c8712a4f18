"""What a plugin's code does, read from its syntax tree (never by running it).

``detect`` walks the AST of each Python file and reports uses of the network, subprocesses,
file writes, environment variables, dynamic code (eval, exec, importlib) and native code
(ctypes, cffi), each with the file, line and the construct that shows it.

Files are decoded as Python decodes them (``decode_source``: a UTF-8 BOM or a PEP 263 coding
cookie, so a ``# coding: utf-7`` file is read as UTF-7). Test and docs files (``TEST_PATTERNS``)
are left out, as what a test does is not what the installed plugin does, unless the plugin's
other code imports them: imports are followed transitively (absolute imports resolved against
the tree's top and every directory that is not a package, relative imports against the
importing file's package, ``import_module``/``__import__`` of a literal name as well), and
every file reached is analysed. A file that must be analysed but cannot be (over
``MAX_PY_BYTES``, undecodable, not parseable by this Python, too deeply nested) is returned as
a skip with its reason, never as clean.

:class:`PermissionScanner` is its source scanner (``scanners.base``): the record's
``permissions`` (use -> evidence) and ``permission_skips`` (files not analysed), judged into
``permission`` items for each use whose permission the manifest does not declare, and
``scan-error`` items for the skips.
"""

from __future__ import annotations

import ast
import codecs
import fnmatch
import io
import posixpath
import tokenize
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plugindex.config.scan import ScanConfig
from plugindex.diagnostics import pointer
from plugindex.manifests.model import Manifest
from plugindex.scanners.base import Item, RecordPart, SealedTree

USES = ("network", "subprocess", "filesystem-write", "environment", "dynamic-code",
        "native-code")

# Importing these modules (or anything under them) is a use.
_MODULES: Mapping[str, tuple[str, ...]] = {
    "network": ("socket", "ssl", "http.client", "urllib.request", "urllib3", "requests",
                "httpx", "aiohttp", "websockets", "websocket", "ftplib", "smtplib", "poplib",
                "imaplib", "telnetlib", "xmlrpc.client", "grpc", "paramiko", "pycurl",
                "asyncssh", "botocore", "boto3"),
    "subprocess": ("subprocess", "pty", "pexpect", "sh", "plumbum"),
    "environment": ("dotenv",),
    "dynamic-code": ("runpy", "code"),
    "native-code": ("ctypes", "cffi", "_cffi_backend"),
}
# Calling (or importing by name) these is a use.
_CALLS: Mapping[str, tuple[str, ...]] = {
    "network": ("asyncio.open_connection", "asyncio.start_server"),
    "subprocess": ("os.system", "os.popen", "os.spawnl", "os.spawnle", "os.spawnlp",
                   "os.spawnlpe", "os.spawnv", "os.spawnve", "os.spawnvp", "os.spawnvpe",
                   "os.execl", "os.execle", "os.execlp", "os.execlpe", "os.execv", "os.execve",
                   "os.execvp", "os.execvpe", "os.fork", "os.forkpty", "os.posix_spawn",
                   "os.posix_spawnp", "asyncio.create_subprocess_exec",
                   "asyncio.create_subprocess_shell"),
    "filesystem-write": ("os.remove", "os.unlink", "os.rmdir", "os.removedirs", "os.rename",
                         "os.renames", "os.replace", "os.makedirs", "os.mkdir", "os.chmod",
                         "os.chown", "os.symlink", "os.link", "os.truncate", "os.mkfifo",
                         "shutil.copy", "shutil.copy2", "shutil.copyfile", "shutil.copytree",
                         "shutil.move", "shutil.rmtree", "shutil.make_archive",
                         "shutil.unpack_archive"),
    "environment": ("os.environ", "os.getenv", "os.putenv", "os.unsetenv", "os.environb"),
    "dynamic-code": ("importlib.import_module", "importlib.__import__",
                     "importlib.util.spec_from_file_location", "importlib.util.module_from_spec",
                     "pickle.loads", "pickle.load", "marshal.loads", "marshal.load"),
}
_BUILTINS: Mapping[str, str] = {
    "eval": "dynamic-code", "exec": "dynamic-code", "compile": "dynamic-code",
    "__import__": "dynamic-code",
}
# Methods whose name alone says they write files (pathlib and friends).
_WRITE_METHODS = frozenset({"write_text", "write_bytes", "mkdir", "touch", "unlink", "rmdir",
                            "symlink_to", "hardlink_to", "chmod"})
# Path.rename(target) and Path.replace(target) take one argument; str.replace takes two.
_ONE_ARGUMENT_WRITES = frozenset({"rename", "replace"})
TEST_PATTERNS = ("tests/*", "test/*", "*/tests/*", "*/test/*", "test_*.py", "*/test_*.py",
                 "*_test.py", "conftest.py", "*/conftest.py", "docs/*", "*/docs/*")
MAX_EVIDENCE = 20
MAX_PY_BYTES = 2 * 1024 * 1024  # larger files are not analysed: a skip, never clean
_IMPORT_CALLS = frozenset({"importlib.import_module", "__import__", "importlib.__import__"})


@dataclass(frozen=True, order=True)
class Evidence:
    use: str
    file: str
    line: int
    construct: str  # "import requests", "call os.system", "open(..., 'w')"


def is_test_file(path: str) -> bool:
    return any(fnmatch.fnmatch(path, p) for p in TEST_PATTERNS)


def _use_of(qualified: str, table: Mapping[str, tuple[str, ...]]) -> str | None:
    """The use whose entry is ``qualified`` or one of its dotted prefixes."""
    parts = qualified.split(".")
    for end in range(len(parts), 0, -1):
        prefix = ".".join(parts[:end])
        for use, names in table.items():
            if prefix in names:
                return use
    return None


def _literal_mode(call: ast.Call) -> str | None:
    node: ast.expr | None = call.args[1] if len(call.args) > 1 else None
    for kw in call.keywords:
        if kw.arg == "mode":
            node = kw.value
    if node is None:
        return "r"
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


class _Visitor(ast.NodeVisitor):
    def __init__(self, file: str) -> None:
        self.file = file
        self.aliases: dict[str, str] = {}  # local name -> qualified name
        self.found: list[Evidence] = []

    def add(self, use: str | None, node: ast.AST, construct: str) -> None:
        if use is not None:
            self.found.append(Evidence(use, self.file, getattr(node, "lineno", 1), construct))

    def imported(self, qualified: str, node: ast.AST) -> None:
        self.add(_use_of(qualified, _MODULES) or _use_of(qualified, _CALLS), node,
                 f"import {qualified}")

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.aliases[alias.asname or alias.name.split(".")[0]] = (
                alias.name if alias.asname else alias.name.split(".")[0])
            self.imported(alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level or not node.module:
            for alias in node.names:  # the plugin's own modules: they shadow what they name
                self.aliases[alias.asname or alias.name] = f".{alias.name}"
            return
        for alias in node.names:
            qualified = f"{node.module}.{alias.name}"
            self.aliases[alias.asname or alias.name] = qualified
            self.imported(qualified if alias.name != "*" else node.module, node)

    def qualified(self, node: ast.expr) -> str | None:
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        head = self.aliases.get(node.id)
        if head is None:
            return None
        return ".".join([head, *reversed(parts)])

    def visit_Attribute(self, node: ast.Attribute) -> None:
        name = self.qualified(node)
        if name is not None:
            self.add(_use_of(name, _CALLS), node, name)
            return  # the inner parts of the chain would repeat the same use
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name) and func.id not in self.aliases:
            if func.id in _BUILTINS:
                self.add(_BUILTINS[func.id], node, f"{func.id}(...)")
            elif func.id == "open":
                mode = _literal_mode(node)
                if mode is not None and any(c in mode for c in "wax+"):
                    self.add("filesystem-write", node, f"open(..., {mode!r})")
        elif isinstance(func, ast.Attribute) and self.qualified(func) is None and (
                func.attr in _WRITE_METHODS or (
                    func.attr in _ONE_ARGUMENT_WRITES and len(node.args) == 1
                    and not node.keywords)):
            self.add("filesystem-write", node, f".{func.attr}(...)")
        elif isinstance(func, ast.Attribute) and func.attr == "open":
            mode = _literal_mode(node) if self.qualified(func) is None else None
            if mode is not None and len(node.args) <= 1 and any(c in mode for c in "wax+"):
                self.add("filesystem-write", node, f".open({mode!r})")
        self.generic_visit(node)


def detect_file(path: str, text: str) -> list[Evidence] | None:
    """Evidence in one file; None when it is not valid Python (bandit reports those)."""
    try:
        return _evidence(path, parse(path, text))
    except ValueError:
        return None


def _evidence(path: str, tree: ast.Module) -> list[Evidence]:
    visitor = _Visitor(path)
    try:
        visitor.visit(tree)
    except RecursionError:
        raise ValueError("too deeply nested to analyse") from None
    return visitor.found


def decode_source(data: bytes) -> str:
    """The text Python reads from a file's bytes: a UTF-8 BOM or a PEP 263 coding cookie in
    the first two lines decides the codec, else UTF-8. Raises ValueError with the reason."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        raise ValueError(f"its encoding declaration is not valid: {exc.msg}") from None
    try:
        return codecs.decode(data, encoding)
    except (UnicodeDecodeError, LookupError, TypeError) as exc:
        raise ValueError(f"it is not valid {encoding}: {exc}") from None


def parse(path: str, text: str) -> ast.Module:
    """The syntax tree, as the running Python parses it. Raises ValueError with the reason."""
    try:
        return ast.parse(text, filename=path)
    except SyntaxError as exc:
        raise ValueError(f"not valid Python for this interpreter (line {exc.lineno}: "
                         f"{exc.msg})") from None
    except (ValueError, MemoryError) as exc:
        raise ValueError(f"not valid Python ({exc})") from None
    except RecursionError:
        raise ValueError("too deeply nested to analyse") from None


@dataclass(frozen=True)
class Detection:
    uses: dict[str, list[Evidence]]  # use -> evidence, sorted, at most MAX_EVIDENCE each
    skips: tuple[tuple[str, str], ...] = ()  # (file, why it was not analysed), sorted
    analysed: tuple[str, ...] = field(default=())  # the files analysed, sorted


@dataclass(frozen=True)
class _Import:
    level: int  # 0: absolute
    module: str  # dotted, '' for 'from . import x'
    names: tuple[str, ...]  # what 'from module import' names ('*' included); () for 'import'


def _literal_import(node: ast.Call, aliases: Mapping[str, str]) -> str | None:
    """The module a call ``import_module('x.y')`` / ``__import__('x.y')`` names literally."""
    func = node.func
    name = func.id if isinstance(func, ast.Name) else None
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        name = f"{aliases.get(func.value.id, func.value.id)}.{func.attr}"
    elif name is not None:
        name = aliases.get(name, name)
    first = node.args[0] if node.args else None
    if name in _IMPORT_CALLS and isinstance(first, ast.Constant) and isinstance(
            first.value, str) and not first.value.startswith("."):
        return first.value
    return None


def imports_of(tree: ast.Module) -> list[_Import]:
    """Every import statement of a module, wherever it stands, and the literal dynamic ones."""
    found: list[_Import] = []
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append(_Import(0, alias.name, ()))
                if alias.asname:
                    aliases[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom):
            names = tuple(a.name for a in node.names)
            found.append(_Import(node.level, node.module or "", names))
            for alias in node.names:
                if node.module and not node.level:
                    aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (module := _literal_import(node, aliases)):
            found.append(_Import(0, module, ()))
    return found


class _Tree:
    """The Python files of a source tree, and where an import statement leads among them."""

    def __init__(self, paths: Iterable[str]) -> None:
        self.files = frozenset(paths)
        directories = {""}
        for path in self.files:
            parent = posixpath.dirname(path)
            while parent:
                directories.add(parent)
                parent = posixpath.dirname(parent)
        # Where a top-level module may be imported from: the tree's top, and any directory
        # that is not itself a package (src/, lib/, ...): the layout does not say which.
        self.roots = sorted(d for d in directories
                            if not d or posixpath.join(d, "__init__.py") not in self.files)
        self.directories = frozenset(directories)

    def _chain(self, base: str, parts: list[str]) -> Iterator[str]:
        """The files importing ``parts`` below ``base`` runs: each package's __init__ and the
        module itself."""
        here = base
        for part in parts:
            if not part:
                return
            here = posixpath.join(here, part) if here else part
            for candidate in (f"{here}.py", f"{here}/__init__.py"):
                if candidate in self.files:
                    yield candidate

    def _package_files(self, package: str) -> Iterator[str]:
        """For ``from package import *``: every module directly in the package."""
        for f in self.files:
            parent = posixpath.dirname(f)
            if parent == package or (posixpath.basename(f) == "__init__.py"
                                     and posixpath.dirname(parent) == package):
                yield f

    def targets(self, importer: str, imp: _Import) -> set[str]:
        """The tree's files an import statement of ``importer`` may run."""
        if imp.level:
            base = posixpath.dirname(importer)
            for _ in range(imp.level - 1):
                if not base:
                    return set()  # beyond the top of the tree
                base = posixpath.dirname(base)
            bases = [base]
        else:
            bases = self.roots
        parts = imp.module.split(".") if imp.module else []
        found: set[str] = set()
        for base in bases:
            found.update(self._chain(base, parts))
            package = posixpath.join(base, *parts) if parts else base
            for name in imp.names:
                if name == "*":
                    if package in self.directories:
                        found.update(self._package_files(package))
                else:
                    found.update(self._chain(base, [*parts, name]))
        found.discard(importer)
        return found


def _read(path: str, data: bytes) -> ast.Module:
    """Decode and parse one file. Raises ValueError with the reason it cannot be analysed."""
    if len(data) > MAX_PY_BYTES:
        raise ValueError(f"larger than the {MAX_PY_BYTES} bytes the permission detector reads")
    return parse(path, decode_source(data))


def detect(files: Iterable[tuple[str, bytes]]) -> Detection:
    """Uses in the files the installed plugin can run: every non-test file, and every test or
    docs file that one of those imports, transitively. ``files``: (path relative to the
    tree's top, its bytes; a file over MAX_PY_BYTES may be given cut after MAX_PY_BYTES + 1
    bytes)."""
    data = dict(files)
    tree = _Tree(data)
    parsed: dict[str, ast.Module] = {}
    skips: dict[str, str] = {}
    queue = sorted(p for p in data if not is_test_file(p))
    reached = set(queue)
    while queue:
        path = queue.pop()
        try:
            parsed[path] = _read(path, data[path])
        except ValueError as exc:
            skips[path] = str(exc)
            continue
        for imp in imports_of(parsed[path]):
            for target in sorted(tree.targets(path, imp) - reached):
                reached.add(target)
                queue.append(target)
    found: dict[str, list[Evidence]] = {}
    for path in sorted(parsed):
        try:
            evidence = _evidence(path, parsed[path])
        except ValueError as exc:
            skips[path] = str(exc)
            continue
        for e in evidence:
            found.setdefault(e.use, []).append(e)
    return Detection(
        uses={use: sorted(set(ev))[:MAX_EVIDENCE] for use, ev in sorted(found.items())},
        skips=tuple(sorted(skips.items())),
        analysed=tuple(sorted(p for p in parsed if p not in skips)))


def python_files(root: Path) -> list[tuple[str, bytes]]:
    """(path, bytes) of every Python file under ``root`` (symbolic links not followed); one
    over MAX_PY_BYTES is read only far enough for ``detect`` to see that it is (it is reported
    as not analysed)."""
    files = []
    for path in sorted(root.rglob("*.py")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as f:
                files.append((path.relative_to(root).as_posix(), f.read(MAX_PY_BYTES + 1)))
    return files


class PermissionScanner:
    """The permission detector as a source scanner: ``permissions`` and ``permission_skips``."""

    name = "permissions"

    def tools(self) -> Mapping[str, str]:
        return {}  # versioned by the record's SCANNER_VERSION

    def scan(self, tree: SealedTree, config: ScanConfig) -> RecordPart:
        detected = detect(python_files(tree.root))
        return {"permissions": {use: [{"file": e.file, "line": e.line, "construct": e.construct}
                                      for e in found]
                                for use, found in sorted(detected.uses.items())},
                "permission_skips": [list(s) for s in sorted(detected.skips)]}

    def unscanned(self) -> RecordPart:
        return {"permissions": {}, "permission_skips": []}

    def items(self, part: Mapping[str, Any], manifest: Manifest, config: ScanConfig
              ) -> list[Item]:
        """A file that could not be analysed is a scan error (PI073); a use whose permission
        (``config.permission_map``) the manifest does not declare is a finding (PI075), shown
        with its first place and counted."""
        policy = config.policy
        items = [Item("scan-error", "permissions", file, policy.scan_errors,
                      f"the permission detector could not analyse this file: {reason}",
                      rule="PI073")
                 for file, reason in part.get("permission_skips", [])]
        declared = set(manifest.permissions)
        needs = config.permission_map
        for use, evidence in sorted(part.get("permissions", {}).items()):
            permission = needs.get(use)
            if permission is None or permission in declared or not evidence:
                continue
            first = evidence[0]
            items.append(Item(
                "permission", permission, f"{first['file']}:{first['line']}",
                policy.undeclared_permissions,
                f"the code uses {use} ({first['construct']}, {len(evidence)} place(s)) but the "
                f"manifest does not declare the '{permission}' permission",
                rule="PI075", pointer=pointer("permissions")))
        return items

    def summary(self, part: Mapping[str, Any], items: Sequence[Item], config: ScanConfig
                ) -> dict[str, Any]:
        needs = config.permission_map
        return {"permissions": {
            "detected": sorted({needs.get(use, use)
                                for use, ev in part.get("permissions", {}).items() if ev}),
            "undeclared": sorted(i.id for i in items if i.kind == "permission")}}
