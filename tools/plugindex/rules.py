"""The rule catalog: one table of every diagnostic plugindex can emit.

Rule ids are stable: a rule may be retired, never renumbered. The site's rules page, the PR
report and ``plugindex validate`` all read this table. Tests assert on rule ids, not on prose.
"""

from __future__ import annotations

from dataclasses import dataclass

from plugindex.diagnostics import Diagnostic, Severity


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: Severity
    summary: str
    hint: str
    why: str


E = Severity.ERROR
W = Severity.WARNING

_RULES: tuple[Rule, ...] = (
    # -- loading: bytes -> one YAML mapping ------------------------------------------------------
    Rule("PI001", "file-too-large", E, "The manifest is larger than the registry allows.",
         "keep manifests small: move long text to the plugin's README",
         "Huge inputs cost seconds to parse; the size is checked before any parsing."),
    Rule("PI002", "encoding", E, "The file is not UTF-8 without a byte-order mark.",
         "save the file as UTF-8 without BOM",
         "UTF-16 and other encodings are silently accepted by YAML parsers; manifests are "
         "UTF-8 only."),
    Rule("PI003", "control-character", E, "The file contains a NUL, another control character, "
         "or an invisible formatting character.",
         "remove the character at the given offset",
         "Control characters, bidirectional controls (RLO, RLM, ALM, ...), zero-width "
         "characters, Unicode tag characters and line separators hide or reorder text that a "
         "reviewer reads, and break tools downstream."),
    Rule("PI004", "yaml-syntax", E, "The file is not well-formed YAML.",
         "fix the YAML syntax at the given line",
         "A manifest must parse before anything else can be checked."),
    Rule("PI005", "yaml-anchor-alias", E, "YAML anchors (&) and aliases (*) are not allowed.",
         "write the value out in full instead of using an anchor or alias",
         "Nested aliases expand exponentially ('billion laughs'): 442 bytes took 46 s and "
         "5.5 GB."),
    Rule("PI006", "yaml-merge-key", E, "YAML merge keys (<<) are not allowed.",
         "write the keys out in full",
         "Merge keys copy data from elsewhere in the file and hide what a manifest says."),
    Rule("PI007", "yaml-tag", E, "Explicit YAML tags (!tag, !!type) are not allowed.",
         "remove the tag; quote the value if it must be a string",
         "Tags ask the loader to build arbitrary objects (e.g. !!python/object/apply)."),
    Rule("PI008", "yaml-too-deep", E, "The YAML nesting is deeper than the registry allows.",
         "flatten the structure",
         "Deep nesting crashes YAML loaders (25,000 '[' segfault the C loader)."),
    Rule("PI009", "yaml-too-many-nodes", E, "The YAML document has more nodes than allowed.",
         "shorten the lists and mappings",
         "Node count bounds the work of every later stage."),
    Rule("PI010", "duplicate-key", E, "A mapping has the same key twice.",
         "keep one of the two entries",
         "YAML loaders keep the last duplicate silently; a reviewer may read the first."),
    Rule("PI011", "non-string-key", E, "A mapping key is not a string.",
         "quote the key",
         "Keys like 1, 1.0 and true collapse into one non-string key."),
    Rule("PI012", "not-one-document", E, "The file must hold exactly one YAML document.",
         "remove the extra '---' documents, or write the manifest if the file is empty",
         "One file, one manifest, one version."),
    Rule("PI013", "not-a-mapping", E, "The document is not a mapping of fields.",
         "start the file with 'schema: 1' and the manifest's fields",
         "A manifest is a mapping of field names to values."),
    Rule("PI014", "unreadable", E, "The file cannot be read as a regular file.",
         "commit the manifest as a regular file (not a symlink, submodule or LFS pointer)",
         "Only regular git blobs are read, so a manifest cannot point outside the repository."),
    # -- schema -----------------------------------------------------------------------------------
    Rule("PI020", "schema", E, "The value does not match the manifest schema.",
         "see schemas/manifest.v1.schema.json for this field",
         "The JSON Schema is the published contract for manifests."),
    Rule("PI021", "wrong-type", E, "The value has the wrong type.",
         "use the type the schema names; quote strings",
         "YAML 1.1 reads 1.10 as the number 1.1, 0123 as octal, NO as false and dates as dates."),
    Rule("PI022", "missing-field", E, "A required field is missing.",
         "add the field",
         "Every manifest needs enough to identify, install and review the plugin."),
    Rule("PI023", "unknown-field", E, "The field is not part of the manifest format.",
         "remove the field or fix its spelling",
         "Unknown fields are usually typos of real ones, which would then be silently missing."),
    Rule("PI024", "bad-format", E, "The value does not have the required form.",
         "see the field's description in the schema",
         "Fields with fixed forms (ids, hashes, tags) are checked by pattern."),
    Rule("PI025", "out-of-bounds", E, "The value is too long, too short, or has too many items.",
         "shorten or complete the value",
         "Caps keep the index, the site and the PR report small and readable."),
    Rule("PI026", "invalid-name", E, "The plugin name is not allowed.",
         "use 1-64 lower-case ASCII letters, digits and hyphens, starting and ending with a "
         "letter or digit",
         "Names become paths and URLs: no '/', '..', dots, upper case or look-alike characters."),
    Rule("PI027", "invalid-version", E, "The version does not follow the registry's scheme.",
         "use MAJOR.MINOR.PATCH, optionally with -alpha.N, -beta.N or -rc.N, and quote it",
         "One documented scheme (the SemVer 2.0 subset that PEP 440 orders the same way)."),
    Rule("PI028", "invalid-source", E, "The source must be exactly one pinned location.",
         "use git + 40-hex commit, archive + 64-hex sha256, or path",
         "A source must be immutable: tags and branches move, commits and hashes do not."),
    Rule("PI029", "invalid-value", E, "The value is not one of the allowed values.",
         "use one of the listed values",
         "Fixed vocabularies keep the index searchable."),
    # -- one manifest -----------------------------------------------------------------------------
    Rule("PI030", "path-layout", E, "Manifests must be at submissions/<name>/<version>.yaml.",
         "move the file to submissions/<name>/<version>.yaml",
         "The path is the registry's primary key; tooling and ownership checks rely on it."),
    Rule("PI031", "path-mismatch", E, "The name or version field does not match the file's path.",
         "make the field equal to the directory or file name",
         "A manifest that says another name could overwrite another plugin."),
    Rule("PI032", "unknown-category", E, "The category is not one of the registry's categories.",
         "use a category from registry.yaml",
         "Categories are a fixed vocabulary of the registry."),
    Rule("PI033", "unknown-capability", E, "The capability is not in the registry's vocabulary.",
         "use a capability from registry.yaml",
         "Capabilities are a fixed vocabulary so that the site can filter on them."),
    Rule("PI034", "unknown-permission", E, "The permission is not in the registry's vocabulary.",
         "use a permission from registry.yaml",
         "Permissions are compared with what the scan finds; unknown ones cannot be checked."),
    Rule("PI035", "invalid-license", E, "The license is not a valid SPDX license expression.",
         "use an SPDX expression such as 'MIT' or 'MIT OR Apache-2.0'",
         "Licenses are machine-checked, so they must be SPDX."),
    Rule("PI036", "license-not-allowed", E, "The license is not on the registry's allowlist.",
         "use a license listed in registry.yaml",
         "The registry owner decides which licenses it distributes."),
    Rule("PI037", "url-not-https", E, "URLs must be absolute https URLs.",
         "use an https:// URL",
         "Plain http can be altered in transit; other schemes (javascript:, file:) are unsafe."),
    Rule("PI038", "url-credentials", E, "URLs must not contain a user name or password.",
         "remove the 'user:password@' part",
         "Credentials in a manifest are public the moment the PR opens."),
    Rule("PI039", "url-host", E, "URLs must name a public host, not an IP address or localhost.",
         "use the project's public host name",
         "IP literals and local hosts point at machines the registry cannot vouch for."),
    Rule("PI040", "source-host-not-allowed", E, "The source is not on an allowed host.",
         "host the source on one of registry.yaml's source_hosts",
         "Sources are fetched by CI; the registry owner decides from where."),
    Rule("PI041", "invalid-requirement", E, "The package requirement is not valid PEP 508.",
         "write it as 'name[extras]>=1.0; marker'",
         "Requirements are audited for advisories and must parse."),
    Rule("PI042", "url-requirement", E, "Package requirements must not be URLs.",
         "depend on a released version from PyPI instead",
         "'foo @ https://...' or 'file:///etc/passwd' bypass the index and the audit."),
    Rule("PI043", "option-requirement", E, "Package requirements must not be pip options.",
         "remove the option line ('-r', '--index-url', ...)",
         "Options change where pip installs from."),
    Rule("PI044", "invalid-range", E, "The version range is not a valid PEP 440 specifier set.",
         "write ranges like '>=1.2,<2' ('' means any version)",
         "Ranges drive resolution, which uses packaging's specifiers."),
    Rule("PI045", "host-range-empty", W, "No released host version is in the host range.",
         "include at least one of registry.yaml's host versions",
         "A plugin that supports no released host cannot be installed yet."),
    Rule("PI046", "too-many-requirements", E, "The manifest has more requirements than allowed.",
         "depend on fewer plugins or packages",
         "Caps keep resolution and auditing bounded."),
    Rule("PI047", "self-requirement", E, "A plugin must not require or conflict with itself.",
         "remove the plugin's own name",
         "A self-dependency is a cycle of length one."),
    Rule("PI048", "duplicate-maintainer", E, "A maintainer is listed twice.",
         "list each GitHub login once",
         "GitHub logins are case-insensitive; duplicates inflate ownership."),
    Rule("PI049", "invalid-path", E, "The path must be relative, without '..' or '.' parts.",
         "use a path like 'plugins/my-plugin' relative to the repository root",
         "Paths are resolved inside a repository or archive; they must not escape it."),
    Rule("PI050", "source-path-missing", E,
         "The source path is not a directory in the repository.",
         "commit the plugin's source at that path",
         "An in-repository source must exist where the manifest says."),
    Rule("PI051", "duplicate-requirement", E, "A package is required twice.",
         "merge the two requirements into one",
         "Two requirements for one package are ambiguous to the audit."),
    Rule("PI052", "source-path-outside-root", E,
         "An in-repository source lies outside the registry's plugin-source roots.",
         "keep the plugin's source under one of registry.yaml's path_source_roots "
         "(examples/plugins/ by default)",
         "A path source names the files that belong to a submission: pointing it at .github/, "
         "tools/, index/ or another plugin's directory would pass any change to them off as "
         "part of the plugin."),
    # -- across manifests -------------------------------------------------------------------------
    Rule("PI060", "name-collision", E, "Another plugin has the same name after normalization.",
         "choose a distinct name",
         "'My_Plugin', 'my.plugin' and 'my--plugin' all normalize to 'my-plugin' (PEP 503)."),
    Rule("PI061", "duplicate-version", E,
         "Another manifest has the same version after normalization.",
         "remove the duplicate version",
         "Each version is published once; '1.0.0-rc.1' and '1.0.0-rc1' are the same version."),
    Rule("PI062", "unknown-plugin", E, "The required plugin is not in the registry.",
         "publish the required plugin first, or fix its name",
         "A requirement on a missing plugin can never be installed."),
    Rule("PI063", "unknown-replacement", E,
         "The deprecation's replacement is not another plugin here.",
         "name an existing plugin as the replacement",
         "Users following a replacement must find it."),
    Rule("PI064", "unknown-conflict", W, "The conflicting plugin is not in the registry.",
         "check the name of the conflicting plugin",
         "A conflict with a plugin that does not exist has no effect; it is often a typo."),
    Rule("PI065", "unsatisfiable-requirement", E,
         "A new manifest requires a plugin version that no published version provides.",
         "widen the range, or publish a version of the required plugin that is in the range "
         "and supports one of this version's host versions first",
         "A version whose requirements cannot be met can never be installed; every published, "
         "non-yanked version of the required plugin on each supported host version is "
         "checked."),
    Rule("PI066", "requirement-met-only-by-yanked-or-deprecated", W,
         "A new manifest's requirement is met only by yanked or deprecated versions.",
         "require a version that is neither yanked nor deprecated (or the replacement)",
         "Yanked versions are installed only when pinned exactly (PEP 592); deprecated ones "
         "are on their way out."),
    Rule("PI067", "published-requirement-unmet", W,
         "A published version's requirement can no longer be met.",
         "publish a new version whose requirements can be met, or yank this one",
         "A dependency was yanked or changed after this version was published; the version "
         "did not change, so this is a warning, not an error."),
    Rule("PI068", "featured-unknown", W, "registry.yaml features a plugin the registry does "
         "not hold.",
         "remove the name from featured, or publish the plugin",
         "A featured plugin that was renamed or never merged would silently lose its badge; "
         "the build says so instead."),
    Rule("PI069", "source-path-shared", E,
         "Two plugins name the same in-repository source directory (or one inside the other).",
         "give each plugin a directory of its own under the plugin-source root",
         "Each in-repository source belongs to one plugin: its maintainers alone may change "
         "it, and its scan records are its own."),
    # -- scanning: the source and its dependencies (severity by scan.policy in registry.yaml) -
    Rule("PI070", "source-refused", E, "The source was refused: it is not what the manifest pins "
         "or it is unsafe to unpack.",
         "check the pinned commit or sha256, and publish a plain archive or repository",
         "A sha256 mismatch, a commit that no branch or tag of the declared repository holds, "
         "or an archive with links, devices or members escaping its directory is never "
         "scanned, let alone installed."),
    Rule("PI071", "source-not-fetched", W, "The source could not be fetched, so it was not "
         "scanned.",
         "make sure the URL is public and reachable; the scan is retried on the next run",
         "An unreachable source is a skip with its reason, never a clean scan."),
    Rule("PI072", "code-finding", W, "bandit found a security issue in the plugin's code.",
         "fix the code, or ask an admin for an exception in registry.yaml (scan.policy)",
         "bandit runs with the registry's configuration; a plugin's own .bandit or "
         "[tool.bandit] cannot switch checks off, and '# nosec' comments are counted."),
    Rule("PI073", "scan-error", W, "A file could not be scanned (bandit could not parse it).",
         "make the file valid Python 3, or move it out of the package",
         "A file bandit cannot read hides whatever it contains: it is reported, not passed."),
    Rule("PI074", "advisory", E, "A dependency has a known vulnerability advisory.",
         "raise the pinned version to one the advisory lists as fixed",
         "Advisories come from the OSV database (pip-audit) for the exact versions the plugin "
         "pins, or the version a range resolves to."),
    Rule("PI075", "undeclared-permission", W, "The code uses a permission the manifest does not "
         "declare.",
         "add the permission to the manifest's permissions, or remove the use",
         "Users decide what to install from the declared permissions; the scan reads imports "
         "and calls from the syntax tree (nothing is run)."),
    Rule("PI076", "audit-skipped", W, "Some dependencies could not be audited.",
         "pin exact versions, or run the scan where the advisory service is reachable",
         "A requirement that could not be audited is a skip with its reason, never clean."),
    Rule("PI077", "not-scanned", W, "The version has no scan result in index/cache.",
         "run 'plugindex scan NAME@VERSION' and commit index/cache",
         "The build never fetches anything: it reads scan results from the repository."),
    # -- pull-request review: who may change what ----------------------------------------------
    Rule("PI080", "not-a-maintainer", E, "The pull request's author is not a maintainer of the "
         "plugin it changes.",
         "ask a maintainer listed in the plugin's latest published manifest to open the change",
         "Ownership is machine-checked: only a plugin's maintainers (on the base branch) may "
         "publish, yank or hand it over."),
    Rule("PI081", "author-not-listed", E, "A new plugin does not list its author among its "
         "maintainers.",
         "add your GitHub login under maintainers",
         "Whoever publishes a plugin is answerable for it."),
    Rule("PI082", "published-manifest-edited", E, "A published version's manifest was changed "
         "beyond 'yanked' and 'deprecated'.",
         "publish a new version instead; a published version only changes to be yanked or "
         "deprecated",
         "Published versions are immutable: what users installed must stay what the index "
         "describes."),
    Rule("PI083", "manifest-removed", W, "A published manifest is deleted or renamed.",
         "yank or deprecate the version instead; deletions need a registry admin",
         "Removing a version breaks everyone who pinned it; only an admin may."),
    Rule("PI084", "outside-submissions", W, "The pull request changes files outside "
         "submissions/.",
         "keep a publishing pull request to submissions/; other changes need a registry admin",
         "Tooling, workflows and registry settings are the registry's, not a plugin's."),
    Rule("PI085", "name-neighbour", W, "A new plugin's name is identical after normalization, "
         "confusable, or a typo away from an existing name.",
         "choose a clearly different name, or ask an admin to approve this one",
         "Names that imitate others are how typosquatting starts."),
    Rule("PI086", "published-source-changed", E, "The pull request changes the in-repository "
         "source of a plugin without publishing a new version of it by one of its "
         "maintainers.",
         "change a plugin's source directory only together with a new version of that plugin, "
         "opened by one of its maintainers",
         "An in-repository source is part of the submission that publishes it: changing it on "
         "its own would change what the next version ships with nobody answerable for it."),
    Rule("PI088", "artifact-disagrees", E, "The pull request workflow's result disagrees with "
         "what the trusted workflow computed, or is missing.",
         "push again; if it persists, the pull request changes the review itself "
         "(.github/ or tools/) and needs an admin",
         "The pull request's own workflow runs the pull request's code, so its result can be "
         "forged: the trusted workflow recomputes every decision and only lets the untrusted "
         "measurements (scan findings, score) make the verdict worse."),
    # -- publishing: what the build lets out ----------------------------------------------------
    Rule("PI090", "index-shrinks", E, "The index would drop more plugins or versions at once "
         "than limits.publish_shrink allows.",
         "check what removed them; if the removal is meant, an admin runs the publish with "
         "allow_shrink (plugindex build --allow-shrink)",
         "Plugins leave a registry one pull request at a time: an index that loses many at "
         "once comes from a mistake (a bad merge, a broken checkout) far more often than from "
         "an intent, and tools fetching it would lose them silently."),
)

CATALOG: dict[str, Rule] = {rule.id: rule for rule in _RULES}


def rule(rule_id: str) -> Rule:
    return CATALOG[rule_id]


def diagnostic(
    rule_id: str,
    file: str,
    line: int,
    ptr: str,
    message: str,
    hint: str | None = None,
) -> Diagnostic:
    """Create a diagnostic for a catalogued rule; the rule supplies severity and default hint."""
    r = CATALOG[rule_id]
    return Diagnostic(
        file=file,
        line=line,
        rule=r.id,
        pointer=ptr,
        message=message,
        hint=hint if hint is not None else r.hint,
        severity=r.severity,
    )
