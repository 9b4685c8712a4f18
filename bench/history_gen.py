"""Fast synthetic git history for the contributor-reputation benchmark.

    python bench/history_gen.py [--real] N DIR [MAX_PLUGINS]

Creates a real git repository at DIR whose ``main`` has exactly N commits (side-branch commits
included), by streaming one ``git fast-import`` script instead of running git per commit. The
tree imitates a registry: ``registry.yaml`` (this
checkout's, verbatim), ``submissions/<plugin>/<version>.yaml`` manifests, ``site/*.md``,
``README.md``, ``CONTRIBUTING.md``, ``tools/plugindex/*.py``, ``schemas/*.json``,
``.github/workflows/*.yml`` and a ``.mailmap``, all in the first commit except the manifests.

The mix of first-parent commits after the first, drawn from ``random.Random(seed)``:

* 15% new plugin: the first manifest of a new name, maintained by its author;
* 35% new version of an existing plugin (usually by its maintainer);
* 5% yank (adds ``yanked: "broken"``) or deprecation (adds ``deprecated: {reason: ...}``);
* 8% metadata fix (rewrites a manifest's ``summary`` line);
* 15% documentation: small 1-3 line edits, medium ~20 line edits, sometimes a new ~120 line
  page (``site/``, ``README.md``, ``CONTRIBUTING.md``);
* 10% tooling: ``tools/plugindex/*.py``, ``schemas/*.json`` (kept valid JSON), workflows;
* 5% merge: a merge by the maintainer ``merger`` whose second parent is a side branch of 1-3
  commits by other authors forked from the previous main commit (the side commits count
  toward N);
* 3% bot: ``plugindex-bot[bot]`` bumping a workflow action or refreshing ``site/stats.md``;
* 2% revert: ``Revert "<subject>"`` / ``This reverts commit <sha>.`` of a recent first-parent
  commit whose file has not changed since, restoring (or deleting) that file.

People: about N/20 (at least 5), author skewed so a few people write most commits. Emails mix
``<login>@example.org`` and ``<id>+<login>@users.noreply.github.com``; a few people commit under
two identities that the ``.mailmap`` unifies. About 10% of messages carry a ``Co-authored-by:``
trailer and 5% a ``Reviewed-by:`` trailer (subject, blank line, trailers). Author and
committer dates are equal, one hour apart from 2024-01-01T00:00:00Z, strictly increasing in
commit order. Deterministic for a given N, seed and ``registry.yaml``.

Cost: Python takes ~0.2 s per 10,000 commits; the rest is fast-import writing tree objects.
Every commit that touches a manifest rewrites the whole flat ``submissions/`` tree, and at 15%
new plugins that tree grows with N, so the total cost grows with N squared: on a 2-core
machine 10,000 commits (~1,500 plugins) take ~4.5 s but 100,000 (~15,000 plugins) take
~5.5 min. Any git writer pays this (each commit must hash a tree of up to ~650 KB).
``max_plugins`` caps the registry (later "new plugin" draws become new versions): 100,000
commits with ``max_plugins=500`` take ~40 s.

``--real`` (``generate_realistic``) shapes the history like a real registry's instead, and
returns the truth about it (who is who, which releases the bot made for whom) for
``reputation_bench.check_board``. Every change is a pull request: squash-merged by its author
(``Subject (#N)``) or merged by a merge robot (``registry-merge-robot``, a merge commit over
the author's commits); a quarter of the commits are releases cut by ``Registry Release Bot
<release-bot@registry.example>`` for the plugin's maintainer, 80% through a pull request the
maintainer opened, the rest naming nobody; dependabot bumps workflow actions; six regular
reviewers approve each pull request, 60% by a ``/lgtm`` comment; new plugins often carry a
reviewer's ``Co-authored-by:`` from a review suggestion, 3% of changes an AI co-author; a
sweep quotes 30 manifests' license at once; renames deprecate a plugin with its new name as
``replacement``. Versions go by preferential attachment (at 10,000 commits: 424 plugins, the
busiest with 265, 174, 156 versions, a long tail with one to three). No ``.mailmap``: one
person in nine also commits under a login's other noreply form or under the login as a name.
The last commit, by the publish bot, writes ``index/cache/reviews.json`` (authors,
approvals, commands). Manifests point at ``examples/plugins/<name>`` (created with them), and
nothing is featured or verified, so ``plugindex build`` runs on the result.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

REGISTRY = Path(__file__).resolve().parent.parent / "registry.yaml"
START = 1_704_067_200  # 2024-01-01T00:00:00Z
HOUR = 3600

FIRST = ("Ada", "Ben", "Chen", "Dana", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jo", "Kofi",
         "Lena", "Mateo", "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tara", "Uma",
         "Viktor", "Wen", "Xavi", "Yara", "Zane", "Aiko", "Bruno", "Carla", "Dmitri")
LAST = ("Abara", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito",
        "Jensen", "Kowalski", "Lopez", "Moreau", "Nakamura", "Okafor", "Petrov", "Quint",
        "Rossi", "Silva", "Tanaka", "Usman", "Varga", "Weber", "Xu", "Yilmaz", "Zhou")
PREFIX = ("mongo", "llm", "auth", "react", "vector", "redis", "session", "metrics", "trace",
          "deploy", "vite", "chat", "embed", "rag", "cache", "queue", "admin", "form", "event",
          "health", "log", "search", "graph", "sync", "token", "prompt", "docker", "env")
SUFFIX = ("kit", "adapter", "bridge", "client", "tools", "store", "helper", "widget", "guard",
          "pipeline", "loader", "exporter", "router", "fixtures", "mock", "hooks", "panel",
          "runner", "plus", "lite", "core", "extras", "sdk", "cli")
WORDS = ("plugin", "registry", "manifest", "version", "review", "host", "source", "index",
         "maintainer", "release", "schema", "category", "build", "site", "search", "install",
         "the", "a", "each", "every", "new", "stable", "pinned", "signed", "checks", "runs",
         "reads", "writes", "before", "after", "when", "with", "without", "must", "should",
         "may", "tag", "commit", "branch", "field", "summary", "license", "yank", "deprecate",
         "score", "badge", "page", "token", "quickly", "safely", "locally", "in", "on", "of")
TOPICS = ("publishing", "reviewing", "yanking", "deprecation", "versioning", "licenses",
          "categories", "scores", "security", "search", "mirrors", "badges", "sources")
ACTIONS = ("actions/checkout", "actions/setup-python", "actions/cache",
           "actions/upload-artifact", "actions/download-artifact")

KINDS = ("plugin", "version", "yank", "meta", "docs", "tooling", "merge", "bot", "revert")
WEIGHTS = (15, 35, 5, 8, 15, 10, 5, 3, 2)
SIDE_KINDS = ("plugin", "version", "meta", "docs", "tooling")
SIDE_WEIGHTS = (2, 5, 1, 3, 1)

GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "LC_ALL": "C"}
# fast-import sets up and frees a zlib stream per object; glibc's default trim threshold then
# returns the heap to the kernel each time (160,000 brk calls for 10,000 commits, 80% of the
# run in the kernel). A high trim threshold keeps that memory: 2.8 s -> 0.5 s on a trivial
# 10,000-commit stream. Ignored by other C libraries.
TUNABLES = "glibc.malloc.trim_threshold=1073741824:glibc.malloc.mmap_threshold=33554432"


@dataclass(frozen=True)
class Ident:
    name: str
    email: str

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


@dataclass(frozen=True)
class Person:
    login: str
    main: Ident
    alt: Ident | None = None  # a second identity, unified with ``main`` by the .mailmap


@dataclass
class _Plugin:
    name: str
    maintainer: Person
    category: str
    summary: str
    versions: list[tuple[int, int, int]] = field(default_factory=list)


@dataclass(frozen=True)
class _Undo:
    """A first-parent commit a revert may undo: it changed ``path`` from ``before``."""

    mark: int
    subject: str
    path: str
    before: str | None


def _git(root: Path, *args: str, env: dict[str, str] | None = None) -> str:
    full = {**os.environ, **GIT_ENV, **(env or {})}
    done = subprocess.run(["git", "-C", str(root), *args], env=full, check=True,
                          capture_output=True, text=True)
    return done.stdout.strip()


def _categories() -> list[str]:
    ids: list[str] = []
    inside = False
    for line in REGISTRY.read_text(encoding="utf-8").splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            inside = line.startswith("categories:")
        elif inside and line.strip().startswith("- id:"):
            ids.append(line.split(":", 1)[1].strip())
    return ids or ["testing"]


def _v(version: tuple[int, int, int]) -> str:
    return ".".join(map(str, version))


def manifest(name: str, version: str, summary: str, category: str, login: str,
             sources: str = "plugins") -> str:
    """The YAML manifest of one plugin version (its source under ``sources``)."""
    return (f'schema: 1\nname: {name}\nversion: "{version}"\nsummary: {summary}\n'
            f"category: {category}\nmaintainers:\n  - github: {login}\n"
            f"    email: {login}@example.org\nlicense: MIT\nsource:\n  path: {sources}/{name}\n"
            'host: ">=1.0"\n')


class _Generator:
    def __init__(self, commits: int, seed: int, sink: IO[bytes], source: IO[bytes],
                 max_plugins: int | None = None) -> None:
        self.rng = random.Random(seed)
        self.max_plugins = commits if max_plugins is None else max(1, max_plugins)
        self.sink = sink
        self.source = source
        self.total = commits
        self.made = 0
        self.mark = 0
        self.head = 0  # mark of the newest main commit
        self.clock = START
        self.pr = 100
        self.files: dict[str, str] = {}
        self.pending: dict[str, str | None] = {}
        self.before: dict[str, str | None] = {}
        self.last_touch: dict[str, int] = {}
        self.undo: list[_Undo] = []
        self.docs: list[str] = []
        self.tools: list[str] = []
        self.plugins: list[_Plugin] = []
        self.names: set[str] = set()
        self.categories = _categories()
        self.people = self._people(max(5, commits // 20))
        self.merger = Person("merger", Ident("Morgan Merger", "merger@example.org"))
        self.bot = Person("plugindex-bot[bot]",
                          Ident("plugindex-bot[bot]", "bot@users.noreply.github.com"))
        self.sources = "plugins"  # where manifests say the plugins' sources are
        self.merge_author = self.merger  # the author of the last merge's first side commit

    # -- people and text ------------------------------------------------------------------

    def _people(self, count: int) -> list[Person]:
        rng = self.rng
        people: list[Person] = []
        doubles = max(2, count // 20)
        for i in range(count):
            rounds, combo = divmod(i, len(FIRST) * len(LAST))
            first, last = FIRST[combo % len(FIRST)], LAST[combo // len(FIRST)]
            name = f"{first} {last}"
            if rounds:  # past 780 people: a middle initial (then a number) keeps names unique
                name = f"{first} {chr(ord('A') + (rounds - 1) % 26)}. {last}"
                name += f" {(rounds - 1) // 26 + 1}" if rounds > 26 else ""
            login = name.lower().replace(" ", "").replace(".", "")
            noreply = f"{41_000_000 + 7919 * i}+{login}@users.noreply.github.com"
            if i % (count // doubles) == 1:
                people.append(Person(login, Ident(name, f"{login}@example.org"),
                                     Ident(login, noreply)))
            elif rng.random() < 0.45:
                people.append(Person(login, Ident(name, noreply)))
            else:
                people.append(Person(login, Ident(name, f"{login}@example.org")))
        rng.shuffle(people)  # so the two-identity people are not all prolific or all rare
        return people

    def _person(self) -> Person:
        """Someone from the community, skewed so that a few people write most commits."""
        return self.people[int(len(self.people) * self.rng.random() ** 2)]

    def _ident(self, person: Person) -> Ident:
        if person.alt is not None and self.rng.random() < 0.4:
            return person.alt
        return person.main

    def _sentence(self, low: int = 6, high: int = 14) -> str:
        words = self.rng.choices(WORDS, k=self.rng.randint(low, high))
        return " ".join(words).capitalize() + "."

    def _page(self, title: str, lines: int) -> str:
        out = [f"# {title}", ""]
        while len(out) < lines:
            if self.rng.random() < 0.12:
                out += ["", f"## {self.rng.choice(TOPICS).capitalize()}", ""]
            else:
                out.append(self._sentence())
        return "\n".join(out) + "\n"

    def _function(self) -> str:
        word = self.rng.choice(TOPICS)
        return (f"\n\ndef check_{word}_{self.rng.randrange(1000)}(value: int) -> int:\n"
                f'    """{self._sentence(4, 8)}"""\n'
                f"    limit = {self.rng.randrange(1, 500)}\n"
                "    return min(value, limit)\n")

    # -- file state -----------------------------------------------------------------------

    def _set(self, path: str, text: str | None) -> None:
        if path not in self.before:
            self.before[path] = self.files.get(path)
        if text is None:
            self.files.pop(path, None)
        else:
            self.files[path] = text
        self.pending[path] = text

    # -- the fast-import stream -----------------------------------------------------------

    def _emit(self, author: Ident, message: str, *, base: int = 0, merge: int = 0,
              subject: str = "") -> int:
        """Write one commit of the pending changes; return its mark."""
        self.mark += 1
        self.made += 1
        stamp = self.clock
        self.clock += HOUR
        who = f"{author} {stamp} +0000\n"
        msg = message.encode()
        parts = [f"commit refs/heads/main\nmark :{self.mark}\nauthor {who}committer {who}"
                 f"data {len(msg)}\n".encode(), msg, b"\n"]
        if base:
            parts.append(f"from :{base}\n".encode())
        if merge:
            parts.append(f"merge :{merge}\n".encode())
        for path, text in self.pending.items():
            self.last_touch[path] = self.mark
            if text is None:
                parts.append(f"D {path}\n".encode())
            else:
                data = text.encode()
                parts.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode())
                parts += [data, b"\n"]
        parts.append(b"\n")
        self.sink.write(b"".join(parts))
        if subject and len(self.pending) == 1:
            (path, before), = self.before.items()
            self.undo.append(_Undo(self.mark, subject, path, before))
        self.pending.clear()
        self.before.clear()
        return self.mark

    def _sha(self, mark: int) -> str:
        self.sink.write(f"get-mark :{mark}\n".encode())
        self.sink.flush()
        return self.source.readline().decode().strip()

    def _message(self, subject: str, author: Ident) -> str:
        trailers: list[str] = []
        if self.rng.random() < 0.10:
            trailers.append(f"Co-authored-by: {self._ident(self._person())}")
        if self.rng.random() < 0.05:
            trailers.append(f"Reviewed-by: {self._person().main}")
        trailers = [t for t in trailers if str(author) not in t]
        return subject + ("\n\n" + "\n".join(trailers) if trailers else "") + "\n"

    # -- commit kinds (each stages changes and returns subject, author, undoable) ---------

    def _new_plugin(self) -> tuple[str, Person, bool]:
        author = self._person()
        name = ""
        for attempt in range(8):
            middle = f"-{self.rng.choice(TOPICS)}" if attempt >= 3 else ""
            name = f"{self.rng.choice(PREFIX)}{middle}-{self.rng.choice(SUFFIX)}"
            if name not in self.names:
                break
        if name in self.names:
            name = f"{name}-{len(self.plugins)}"
        self.names.add(name)
        plugin = _Plugin(name, author, self.rng.choice(self.categories),
                         f"{self.rng.choice(TOPICS).capitalize()} support for FARM apps",
                         [(0, 1, 0) if self.rng.random() < 0.3 else (1, 0, 0)])
        self.plugins.append(plugin)
        version = _v(plugin.versions[-1])
        self._set(f"submissions/{name}/{version}.yaml",
                  manifest(name, version, plugin.summary, plugin.category, author.login,
                           self.sources))
        return f"Add {name} {version}", author, False

    def _new_version(self, plugin: _Plugin | None = None) -> tuple[str, Person, bool]:
        plugin = plugin or self.rng.choice(self.plugins)
        major, minor, patch = plugin.versions[-1]
        roll = self.rng.random()
        new = ((major + 1, 0, 0) if roll < 0.05 else (major, minor + 1, 0) if roll < 0.3
               else (major, minor, patch + 1))
        plugin.versions.append(new)
        version = _v(new)
        self._set(f"submissions/{plugin.name}/{version}.yaml",
                  manifest(plugin.name, version, plugin.summary, plugin.category,
                           plugin.maintainer.login, self.sources))
        author = plugin.maintainer if self.rng.random() < 0.75 else self._person()
        return f"Release {plugin.name} {version}", author, False

    def _yank(self) -> tuple[str, Person, bool]:
        for _ in range(8):
            plugin = self.rng.choice(self.plugins)
            version = _v(self.rng.choice(plugin.versions))
            path = f"submissions/{plugin.name}/{version}.yaml"
            text = self.files.get(path, "yanked:")
            if "yanked:" not in text and "deprecated:" not in text:
                break
        else:
            return self._meta()
        author = plugin.maintainer if self.rng.random() < 0.6 else self._person()
        if self.rng.random() < 0.7:
            self._set(path, text + 'yanked: "broken"\n')
            return f"Yank {plugin.name} {version}", author, True
        self._set(path, text + 'deprecated: {reason: "use another"}\n')
        return f"Deprecate {plugin.name} {version}", author, True

    def _meta(self) -> tuple[str, Person, bool]:
        plugin = self.rng.choice(self.plugins)
        version = _v(self.rng.choice(plugin.versions))
        path = f"submissions/{plugin.name}/{version}.yaml"
        text = self.files.get(path)
        if text is None:  # reverted away
            return self._docs()
        summary = f"{self._sentence(3, 7)[:-1]} for FARM apps"
        lines = [f"summary: {summary}" if line.startswith("summary:") else line
                 for line in text.split("\n")]
        self._set(path, "\n".join(lines))
        if version == _v(plugin.versions[-1]):
            plugin.summary = summary
        author = plugin.maintainer if self.rng.random() < 0.5 else self._person()
        return f"Fix the summary of {plugin.name} {version}", author, True

    def _docs(self) -> tuple[str, Person, bool]:
        author = self._person()
        roll = self.rng.random()
        if roll < 0.06 or not self.docs:
            topic = self.rng.choice(TOPICS)
            path = f"site/{topic}-{self.rng.randrange(10_000)}.md"
            if path not in self.files:
                self.docs.append(path)
                self._set(path, self._page(topic.capitalize(), 120))
                return f"docs: add a page on {topic}", author, True
        path = self.rng.choice(self.docs)
        lines = self.files[path].split("\n")
        if roll < 0.3:  # medium: rewrite (or insert) a ~20 line section
            at = self.rng.randrange(2, max(3, len(lines) - 1))
            new = [self._sentence() for _ in range(self.rng.randint(16, 24))]
            cut = len(new) if len(lines) > 150 else self.rng.randint(0, 5)
            lines[at:at + cut] = new
            subject = f"docs: rework the {self.rng.choice(TOPICS)} section of {path}"
        else:  # small: one to three lines
            for _ in range(self.rng.randint(1, 3)):
                at = self.rng.randrange(2, max(3, len(lines) - 1))
                if at < len(lines):
                    lines[at] = self._sentence()
            subject = f"docs: {self.rng.choice(('clarify', 'fix typo in', 'reword'))} {path}"
        self._set(path, "\n".join(lines))
        return subject, author, True

    def _tooling(self) -> tuple[str, Person, bool]:
        author = self._person()
        path = self.rng.choice(self.tools)
        text = self.files[path]
        if path.endswith(".json"):
            schema: dict[str, Any] = json.loads(text)
            props: dict[str, Any] = schema.setdefault("properties", {})
            key = f"{self.rng.choice(TOPICS)}_{self.rng.choice(SUFFIX)}"
            props[key] = {"type": "string", "description": self._sentence(4, 9)}
            self._set(path, json.dumps(schema, indent=2) + "\n")
            return f"schemas: describe {key} in {path.rsplit('/', 1)[1]}", author, True
        if path.endswith(".yml"):
            return self._bump_workflow(path, author)
        if self.rng.random() < 0.05:
            module = f"tools/plugindex/{self.rng.choice(TOPICS)}_{self.rng.randrange(1000)}.py"
            if module not in self.files:
                self.tools.append(module)
                self._set(module, f'"""{self._sentence()}"""\n' + self._function())
                return f"tools: add {module.rsplit('/', 1)[1]}", author, True
        if self.rng.random() < 0.4:
            self._set(path, text + self._function())
            return f"tools: add a check to {path.rsplit('/', 1)[1]}", author, True
        lines = text.split("\n")
        spots = [i for i, line in enumerate(lines) if line.startswith("    limit = ")]
        if not spots:
            self._set(path, text + self._function())
            return f"tools: add a check to {path.rsplit('/', 1)[1]}", author, True
        lines[self.rng.choice(spots)] = f"    limit = {self.rng.randrange(1, 500)}"
        self._set(path, "\n".join(lines))
        return f"tools: tune a limit in {path.rsplit('/', 1)[1]}", author, True

    def _bump_workflow(self, path: str, author: Person) -> tuple[str, Person, bool]:
        lines = self.files[path].split("\n")
        spots = [i for i, line in enumerate(lines) if "uses: " in line and "@v" in line]
        at = self.rng.choice(spots)
        head, _, old = lines[at].rpartition("@v")
        major, minor, patch = (int(x) for x in old.split("."))
        roll = self.rng.random()
        new = _v((major + 1, 0, 0) if roll < 0.05 else (major, minor + 1, 0) if roll < 0.25
                 else (major, minor, patch + 1))
        lines[at] = f"{head}@v{new}"
        action = head.split("uses: ", 1)[1]
        self._set(path, "\n".join(lines))
        return f"Bump {action} from {old} to {new}", author, True

    def _bot(self) -> tuple[str, Person, bool]:
        if self.rng.random() < 0.5:
            workflows = [p for p in self.tools if p.endswith(".yml")]
            subject, _, undoable = self._bump_workflow(self.rng.choice(workflows), self.bot)
            return subject, self.bot, undoable
        versions = sum(len(p.versions) for p in self.plugins)
        self._set("site/stats.md", f"# Registry statistics\n\nPlugins: {len(self.plugins)}\n"
                  f"Versions: {versions}\nCommits: {self.made}\n")
        return "Update registry statistics", self.bot, True

    # -- compound commits -----------------------------------------------------------------

    def _revert(self) -> bool:
        for index in range(len(self.undo) - 1, max(-1, len(self.undo) - 40), -1):
            undo = self.undo[index]
            if self.last_touch.get(undo.path) == undo.mark:
                break
        else:
            return False
        del self.undo[index]
        sha = self._sha(undo.mark)
        self._set(undo.path, undo.before)
        if undo.before is None:
            for group in (self.docs, self.tools):
                if undo.path in group:
                    group.remove(undo.path)
        author = self._person()
        subject = f'Revert "{undo.subject}"'
        self.head = self._emit(self._ident(author),
                               f"{subject}\n\nThis reverts commit {sha}.\n")
        return True

    def _merge(self) -> None:
        fork = self.head
        count = min(self.rng.randint(1, 3), self.total - self.made - 1)
        changed: set[str] = set()
        tip = fork
        authors: list[Person] = []
        first = ""
        for _ in range(count):
            kind = self.rng.choices(SIDE_KINDS, SIDE_WEIGHTS)[0]
            subject, author, _ = self._simple(kind)
            authors.append(author)
            first = first or subject
            changed.update(self.pending)
            tip = self._emit(self._ident(author), self._message(subject, author.main))
        for path in sorted(changed):  # the merge result: main's tree plus the side's changes
            self.pending[path] = self.files.get(path)
        self.pr += 1
        self.merge_author = authors[0]
        branch = f"{authors[0].login}/{first.split()[0].lower().rstrip(':')}-{self.pr}"
        message = f"Merge pull request #{self.pr} from {branch}\n\n{first}\n"
        self.head = self._emit(self.merger.main, message, base=fork, merge=tip)

    def _simple(self, kind: str) -> tuple[str, Person, bool]:
        if not self.plugins or (kind == "plugin" and len(self.plugins) < self.max_plugins):
            return self._new_plugin()
        if kind in ("version", "plugin"):
            return self._new_version()
        if kind == "yank":
            return self._yank()
        if kind == "meta":
            return self._meta()
        if kind == "tooling":
            return self._tooling()
        if kind == "bot":
            return self._bot()
        return self._docs()

    def step(self) -> None:
        kind = self.rng.choices(KINDS, WEIGHTS)[0]
        if kind == "merge" and self.total - self.made >= 2:
            self._merge()
            return
        if kind == "revert" and self._revert():
            return
        subject, author, undoable = self._simple(kind)
        ident = author.main if author is self.bot else self._ident(author)
        message = self._message(subject, author.main) if author is not self.bot else subject
        self.head = self._emit(ident, message + ("" if message.endswith("\n") else "\n"),
                               subject=subject if undoable else "")

    # -- the first commit -----------------------------------------------------------------

    def initial(self) -> None:
        for path in ("README.md", "CONTRIBUTING.md", "site/index.md", "site/publishing.md",
                     "site/review-policy.md", "site/faq.md", "site/security.md"):
            title = path.rsplit("/", 1)[-1][:-3].replace("-", " ").capitalize()
            self.docs.append(path)
            self._set(path, self._page(title, self.rng.randint(40, 90)))
        self._set("site/stats.md", "# Registry statistics\n\nPlugins: 0\nVersions: 0\n")
        self._set("registry.yaml", self._registry())
        for module in ("__init__", "cli", "validate", "index", "history", "score"):
            path = f"tools/plugindex/{module}.py"
            self.tools.append(path)
            body = "".join(self._function() for _ in range(self.rng.randint(2, 6)))
            self._set(path, f'"""{self._sentence()}"""\n\nfrom __future__ import annotations'
                      + body)
        for schema in ("manifest.v1", "registry.v1"):
            path = f"schemas/{schema}.schema.json"
            self.tools.append(path)
            doc = {"$schema": "https://json-schema.org/draft/2020-12/schema",
                   "title": schema, "type": "object",
                   "properties": {"name": {"type": "string"}, "version": {"type": "string"}}}
            self._set(path, json.dumps(doc, indent=2) + "\n")
        for flow in ("ci", "index", "release"):
            path = f".github/workflows/{flow}.yml"
            self.tools.append(path)
            steps = "".join(f"      - uses: {action}@v{self.rng.randint(1, 4)}.0.0\n"
                            for action in ACTIONS[: self.rng.randint(2, len(ACTIONS))])
            self._set(path, f"name: {flow}\non: [push, pull_request]\njobs:\n  {flow}:\n"
                      f"    runs-on: ubuntu-latest\n    steps:\n{steps}"
                      "      - run: python -m plugindex validate\n")
        lines = ["# Unify people who committed under more than one identity."]
        lines += [f"{p.main} <{p.alt.email}>" for p in self.people if p.alt is not None]
        if len(lines) > 1:
            self._set(".mailmap", "\n".join(lines) + "\n")
        self.head = self._emit(self.merger.main, "Create the registry\n")

    def _registry(self) -> str:
        return REGISTRY.read_text(encoding="utf-8")


# -- a registry shaped like real ones ------------------------------------------------------

RELEASE_BOT = Ident("Registry Release Bot", "release-bot@registry.example")
MERGE_ROBOT = Ident("registry-merge-robot", "51234+registry-merge-robot@users.noreply.github.com")
DEPENDABOT = Ident("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com")
PUBLISHER = Ident("github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com")
AI = Ident("Claude", "noreply@anthropic.com")
AUTOMATION = (RELEASE_BOT, MERGE_ROBOT, DEPENDABOT, PUBLISHER, AI)


@dataclass
class RealHistory:
    """A generated realistic history and the truth about it, to check a leaderboard with."""

    head: str
    people: dict[str, list[Ident]]  # login -> every identity that person committed under
    automation: tuple[Ident, ...]
    reviewers: tuple[str, ...]  # the logins that review most pull requests
    bot_releases: dict[str, str]  # sha of a release the bot committed -> the login it credits
    # sha of a first publication with a reviewer's co-author trailer -> (publisher, co-author)
    coauthored: dict[str, tuple[str, str]] = field(default_factory=dict)
    # login -> the reviews they earn at least: squash-merged pull requests they approved (by
    # review or /lgtm) that they neither opened nor co-authored
    reviews: dict[str, int] = field(default_factory=dict)
    plugins: int = 0
    versions: dict[str, int] = field(default_factory=dict)  # plugin -> versions


class _RealGenerator(_Generator):
    """Every change arrives as a pull request: a squash merge by its author (GitHub's
    squash button) or by a merge robot that commits under its own name; releases are cut by a
    release bot for the plugin's maintainer, mostly through a pull request the maintainer
    opened; a few maintainers review most pull requests, by approving or by '/lgtm'
    comments; versions follow preferential attachment (a few plugins reach hundreds); no
    .mailmap: people commit under a login's two noreply forms or one address with two
    names. The pull requests' authors and approvals are written to index/cache/reviews.json
    by the publish bot in the last commit, as `plugindex reputation --fetch-reviews` does."""

    def __init__(self, commits: int, seed: int, sink: IO[bytes], source: IO[bytes],
                 max_plugins: int | None) -> None:
        super().__init__(commits, seed, sink, source, max_plugins or 400)
        self.sources = "examples/plugins"
        self.merger = Person("registry-merge-robot", MERGE_ROBOT)
        self.people = [replace(p, alt=None) for p in self.people]  # no .mailmap here
        self.released: _Plugin | None = None
        self.reviews: dict[int, dict[str, Any]] = {}
        self.reviewer_pool = self.people[:6]
        self.bot_marks: dict[int, str] = {}
        self.coauthored: dict[int, tuple[str, str]] = {}
        self.squashed: dict[int, set[str]] = {}  # squash-merged pull request -> its people
        self.aliases: dict[str, Ident] = {}
        for i, person in enumerate(self.people):  # mailmap-less second identities
            if i % 9 == 4:
                login_email = person.main.email
                if "+" in login_email:  # the older noreply form of the same login
                    self.aliases[person.login] = Ident(person.main.name,
                                                       f"{person.login}@users.noreply.github.com")
                else:  # the same address under the login as a name
                    self.aliases[person.login] = Ident(person.login, login_email)

    def _ident(self, person: Person) -> Ident:
        alias = self.aliases.get(person.login)
        if alias is not None and self.rng.random() < 0.4:
            return alias
        return person.main

    def _pull(self, author: Person, number: int | None = None) -> int:
        """A pull request by ``author`` reviewed by one or two of the regular reviewers."""
        if number is None:
            self.pr += 1
        approved: list[list[str]] = []
        commands: list[list[str]] = []
        for reviewer in self.rng.sample(self.reviewer_pool, self.rng.randint(1, 2)):
            if reviewer.login == author.login:
                continue
            if self.rng.random() < 0.6:
                commands.append([reviewer.login, "/lgtm", "MEMBER"])
            else:
                approved.append([reviewer.login, "MEMBER"])
        if self.rng.random() < 0.1:  # the merge robot's own comment earns nothing
            commands.append(["registry-merge-robot", "/lgtm", "MEMBER"])
        if self.rng.random() < 0.1:  # nor does a passer-by's approval
            approved.append([self._person().login, "NONE"])
        self.reviews[number or self.pr] = {"author": author.login, "approved": sorted(approved),
                                           "commands": commands}
        return number or self.pr

    def _new_version(self, plugin: _Plugin | None = None) -> tuple[str, Person, bool]:
        """Preferential attachment: a plugin with many versions is likelier to get another."""
        weights = [min(len(p.versions), 50) for p in self.plugins]
        self.released = plugin or self.rng.choices(self.plugins, weights)[0]
        return super()._new_version(self.released)

    def _sweep(self) -> tuple[str, Person, bool]:
        author = self._person()
        for plugin in self.rng.sample(self.plugins, min(30, len(self.plugins))):
            path = f"submissions/{plugin.name}/{_v(plugin.versions[-1])}.yaml"
            text = self.files.get(path)
            if text is not None and "license: MIT\n" in text:
                self._set(path, text.replace("license: MIT\n", "license: \"MIT\"\n"))
        return "Quote every license field", author, False

    def _rename(self) -> tuple[str, Person, bool]:
        old = self.rng.choice(self.plugins)
        latest = f"submissions/{old.name}/{_v(old.versions[-1])}.yaml"
        text = self.files.get(latest)
        new_name = f"{old.name}-ng"
        if text is None or new_name in self.names or "deprecated:" in text:
            return self._docs()
        self.names.add(new_name)
        self._set(latest, text + f"deprecated:\n  reason: renamed\n  replacement: {new_name}\n")
        plugin = _Plugin(new_name, old.maintainer, old.category, old.summary, [(1, 0, 0)])
        self.plugins.append(plugin)
        self._set(f"submissions/{new_name}/1.0.0.yaml",
                  manifest(new_name, "1.0.0", plugin.summary, plugin.category,
                           old.maintainer.login, self.sources))
        self._set(f"examples/plugins/{new_name}/README.md", f"# {new_name}\n")
        return f"Rename {old.name} to {new_name}", old.maintainer, False

    def _new_plugin(self) -> tuple[str, Person, bool]:
        subject, author, undoable = super()._new_plugin()
        name = self.plugins[-1].name
        self._set(f"examples/plugins/{name}/README.md", f"# {name}\n")
        return subject, author, undoable

    def step(self) -> None:
        if self.total - self.made == 1:
            self._set("index/cache/reviews.json", json.dumps(
                {"schema_version": 2, "pulls": {str(n): self.reviews[n]
                                                for n in sorted(self.reviews)}},
                indent=1, sort_keys=True) + "\n")
            self.head = self._emit(PUBLISHER, "Index: reviews of merged pull requests\n")
            return
        roll = self.rng.random()
        if roll < 0.04 and self.plugins:  # dependabot bumps a workflow action
            workflows = [p for p in self.tools if p.endswith(".yml")]
            subject, _, _ = self._bump_workflow(self.rng.choice(workflows), self.bot)
            self.head = self._emit(DEPENDABOT, f"{subject}\n")
            return
        undoable = False
        if roll < 0.045 and len(self.plugins) > 40:
            subject, author, _ = self._sweep()
        elif roll < 0.05 and self.plugins:
            subject, author, _ = self._rename()
        elif roll < 0.30 and self.plugins:  # the release bot, for the plugin's maintainer
            subject, author, _ = self._new_version()
            assert self.released is not None
            maintainer = self.released.maintainer
            credited = maintainer
            if self.rng.random() < 0.8:  # through a pull request, a quarter opened by the
                # core team (the regular reviewers) for the maintainer
                credited = maintainer if self.rng.random() < 0.75 else self.rng.choice(
                    self.reviewer_pool)
                subject += f" (#{self._pull(credited)})"
            self.head = self._emit(RELEASE_BOT, f"{subject}\n")
            self.bot_marks[self.head] = credited.login
            return
        else:
            kind = self.rng.choices(KINDS, WEIGHTS)[0]
            if kind == "merge" and self.total - self.made >= 3:  # by the merge robot
                self._merge()
                self._pull(self.merge_author, self.pr)
                return
            if kind == "revert" and self._revert():
                return
            subject, author, undoable = self._simple(
                "docs" if kind in ("bot", "merge", "revert") else kind)
        number = self._pull(author)
        self.squashed[number] = {author.login}
        trailers = []
        helper = None
        if subject.startswith("Add ") and self.rng.random() < 0.3:  # a suggestion in review
            helper = self.rng.choice(self.reviewer_pool)
            if helper.login != author.login:
                trailers.append(f"Co-authored-by: {helper.main}")
                self.squashed[number].add(helper.login)
            else:
                helper = None
        if self.rng.random() < 0.03:
            trailers.append(f"Co-authored-by: {AI}")
        body = "\n\n" + "\n".join(trailers) if trailers else ""
        self.head = self._emit(self._ident(author), f"{subject} (#{number}){body}\n",
                               subject=subject if undoable else "")
        if helper is not None:
            self.coauthored[self.head] = (author.login, helper.login)

    def _registry(self) -> str:
        """This checkout's registry.yaml, featuring and verifying nobody (its own plugins
        and publishers are not in this registry)."""
        text = super()._registry()
        return re.sub(r"^(featured|verified_publishers): \[.*\]$", r"\1: []", text,
                      flags=re.MULTILINE)

    def truth(self) -> RealHistory:
        people: dict[str, list[Ident]] = {}
        for person in self.people:
            people[person.login] = [person.main, *filter(None, [self.aliases.get(person.login)])]
        reviews: dict[str, int] = {}
        for number, people_of in self.squashed.items():
            pull = self.reviews[number]
            said = {login for login, _, association in pull["commands"]
                    if association == "MEMBER"}
            approving = {login for login, _ in pull["approved"]}
            for login in ({*approving, *said} & {p.login for p in self.reviewer_pool}
                          ) - people_of:
                reviews[login] = reviews.get(login, 0) + 1
        return RealHistory("", people, AUTOMATION, tuple(p.login for p in self.reviewer_pool),
                           {self._sha(mark): login for mark, login in self.bot_marks.items()},
                           {self._sha(mark): pair for mark, pair in self.coauthored.items()},
                           reviews, len(self.plugins),
                           {p.name: len(p.versions) for p in self.plugins})


def generate_history(root: Path, commits: int, seed: int = 7, *,
                     max_plugins: int | None = None) -> str:
    """Create a git repo at `root` (must not exist or be empty) whose `main` has `commits`
    commits (exactly: side-branch commits count); return the head sha.

    The work tree is checked out (``git reset --hard main``) and ``/.cache/`` is excluded.
    ``max_plugins`` (default: no cap, the mix above) trades realism for speed at large N.
    """
    return _generate_head(root, commits, seed, max_plugins=max_plugins).head


def _generate_head(root: Path, commits: int, seed: int = 7, *,
                   max_plugins: int | None = None) -> RealHistory:
    return _generate(root, commits, seed, max_plugins, realistic=False)


def generate_realistic(root: Path, commits: int, seed: int = 7, *,
                       max_plugins: int | None = None) -> RealHistory:
    """Like ``generate_history``, shaped like a real registry (``_RealGenerator``: pull
    requests, a release bot, a merge robot, dependabot, regular reviewers approving by
    '/lgtm', a long tail of versions, renames, sweeps, no .mailmap; 400 plugins at most by
    default); return the head and the truth about who is who."""
    return _generate(root, commits, seed, max_plugins, realistic=True)


def _generate(root: Path, commits: int, seed: int, max_plugins: int | None,
              realistic: bool) -> RealHistory:
    if commits < (2 if realistic else 1):
        raise ValueError(f"commits must be at least {2 if realistic else 1}")
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(f"{root} exists and is not empty")
    root.mkdir(parents=True, exist_ok=True)
    _git(root, "init", "-q", "-b", "main")
    (root / ".git" / "info" / "exclude").write_text("/.cache/\n")
    tunables = ":".join(filter(None, (os.environ.get("GLIBC_TUNABLES"), TUNABLES)))
    proc = subprocess.Popen(["git", "-C", str(root), "fast-import", "--quiet", "--done"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            env={**os.environ, **GIT_ENV, "GLIBC_TUNABLES": tunables},
                            bufsize=1 << 20)
    if proc.stdin is None or proc.stdout is None:  # not with PIPE
        raise RuntimeError("no pipe to git fast-import")
    truth = None
    try:
        kind = _RealGenerator if realistic else _Generator
        gen = kind(commits, seed, proc.stdin, proc.stdout, max_plugins)
        gen.initial()
        while gen.made < commits:
            gen.step()
        if isinstance(gen, _RealGenerator):
            truth = gen.truth()
        proc.stdin.write(b"done\n")
        proc.stdin.close()
    except BrokenPipeError:
        pass  # fast-import died: its exit status below says why
    status = proc.wait()
    proc.stdout.close()
    if status != 0:
        raise RuntimeError(f"git fast-import failed with status {status}")
    _git(root, "reset", "-q", "--hard", "main")  # index and work tree match main
    head = _git(root, "rev-parse", "HEAD")
    if truth is None:
        return RealHistory(head, {}, (), (), {})
    return replace(truth, head=head)


def append_commit(root: Path, kind: str = "version") -> str:
    """Add one more first-parent commit on main with plain git commands; return its sha.

    ``kind`` is ``version`` (a new patch release of an existing plugin, by whoever last
    touched it), ``plugin`` (a first manifest by a newcomer), ``yank`` or ``docs``. Needs the
    work tree `generate_history` checks out; the commit is dated an hour after main's head.
    """
    last = int(_git(root, "log", "-1", "--format=%ct", "main"))
    head = _git(root, "rev-parse", "main")
    rng = random.Random(head)
    stamp = f"{last + HOUR} +0000"
    manifests = _git(root, "ls-tree", "-r", "--name-only", "main", "--", "submissions")
    paths = manifests.splitlines()
    if kind != "plugin" and not paths and kind != "docs":
        kind = "plugin"
    if kind == "plugin":
        login = f"newcomer{len(paths)}"
        who = Ident(f"New Comer {len(paths)}", f"{login}@example.org")
        name = f"fresh-plugin-{head[:8]}"
        path = f"submissions/{name}/1.0.0.yaml"
        text = manifest(name, "1.0.0", "A synthetic plugin", "testing", login)
        subject = f"Add {name} 1.0.0"
    elif kind == "docs":
        path = "site/faq.md"
        old = (root / path).read_text(encoding="utf-8") if (root / path).exists() else ""
        text = old + f"\nOne more answer, added after {head[:8]}.\n"
        who = Ident("Docs Writer", "docs-writer@example.org")
        subject = "docs: answer one more question"
    else:
        names = sorted({p.split("/")[1] for p in paths})
        for _ in range(20):  # a yank wants a newest version that is not yanked yet
            plugin = rng.choice(names)
            ours = [p for p in paths if p.split("/")[1] == plugin]
            newest = max(ours, key=lambda p: tuple(int(x) for x in p.rsplit("/", 1)[1][:-5]
                                                  .split(".")))
            old = _git(root, "show", f"main:{newest}") + "\n"
            if kind != "yank" or "yanked:" not in old:
                break
        name_email = _git(root, "log", "-1", "--format=%an%x00%ae", "main", "--", newest)
        name, email = name_email.split("\x00")
        who = Ident(name, email)
        if kind == "yank":
            path, text = newest, old + 'yanked: "broken"\n'
            subject = f"Yank {plugin} {newest.rsplit('/', 1)[1][:-5]}"
        else:
            major, minor, patch = (int(x) for x in newest.rsplit("/", 1)[1][:-5].split("."))
            version = f"{major}.{minor}.{patch + 1}"
            path = f"submissions/{plugin}/{version}.yaml"
            text = "".join(line for line in old.splitlines(keepends=True)
                           if not line.startswith(("yanked:", "deprecated:")))
            text = text.replace(f'version: "{major}.{minor}.{patch}"', f'version: "{version}"')
            subject = f"Release {plugin} {version}"
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    env = {"GIT_AUTHOR_NAME": who.name, "GIT_AUTHOR_EMAIL": who.email,
           "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_NAME": who.name,
           "GIT_COMMITTER_EMAIL": who.email, "GIT_COMMITTER_DATE": stamp}
    _git(root, "add", "--", path)
    _git(root, "commit", "-q", "--no-verify", "-m", subject, env=env)
    return _git(root, "rev-parse", "HEAD")


def main() -> None:
    args = sys.argv[1:]
    real = args[:1] == ["--real"]
    args = args[1:] if real else args
    if len(args) not in (2, 3):
        sys.exit("usage: python bench/history_gen.py [--real] N DIR [MAX_PLUGINS]")
    commits, root = int(args[0]), Path(args[1])
    cap = int(args[2]) if len(args) == 3 else None
    started = time.perf_counter()
    make = generate_realistic if real else _generate_head
    head = make(root, commits, max_plugins=cap).head
    elapsed = time.perf_counter() - started
    count = _git(root, "rev-list", "--count", "HEAD")
    print(f"{count} commits in {elapsed:.2f} s (head {head})")


if __name__ == "__main__":
    main()
