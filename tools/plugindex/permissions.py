"""What a plugin's code does, read from its syntax tree (never by running it).

``detect`` walks the AST of each Python file and reports uses of the network, subprocesses,
file writes, environment variables, dynamic code (eval, exec, importlib) and native code
(ctypes, cffi), each with the file, line and the construct that shows it. Test files are left
out: what a test does is not what the installed plugin does.
"""

from __future__ import annotations

import ast
import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

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
        tree = ast.parse(text, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    visitor = _Visitor(path)
    try:
        visitor.visit(tree)
    except RecursionError:
        return None
    return visitor.found


def detect(files: Iterable[tuple[str, str]]) -> dict[str, list[Evidence]]:
    """use -> its evidence (sorted, at most MAX_EVIDENCE each) over the non-test files."""
    found: dict[str, list[Evidence]] = {}
    for path, text in files:
        if is_test_file(path):
            continue
        for e in detect_file(path, text) or ():
            found.setdefault(e.use, []).append(e)
    return {use: sorted(set(ev))[:MAX_EVIDENCE] for use, ev in sorted(found.items())}
