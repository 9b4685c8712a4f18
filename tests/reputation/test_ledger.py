"""Contributor reputation on real git repositories with scripted histories: squash merges,
merge commits, rebases, co-authors, .mailmap, noreply addresses, bots, reverts, reviews,
force pushes, and the incremental ledger."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from plugindex.adapters.github import pull_reviews
from plugindex.adapters.gitrepo import GitRepo
from plugindex.cli import main
from plugindex.config.reputation import ReputationConfig, parse_reputation
from plugindex.errors import EnvironmentProblem
from plugindex.layout import LEDGER_CACHE
from plugindex.reputation.gather import (
    LedgerStore,
    awards_of,
    contributors_at,
    manifest_facts,
    parse_reviews,
    pull_numbers,
    releases_by_contact,
    render_reviews,
)
from plugindex.reputation.identity import is_bot, login_of, person, reverted, trailers
from plugindex.reputation.ledger import (
    BULK_FIXES,
    Award,
    Claim,
    Contributor,
    Ledger,
    PullReview,
    Tally,
    approvers,
    level_aims,
    level_of,
    level_report,
    logins_of,
    tally,
    vouchers,
)
from tests.conftest import ROOT, VALID_MANIFEST, GitRegistry
from tests.github_fake import FakeGitHub, FakePull, fake_github

ALICE = ("Alice Liddell", "alice@example.org")
BOB = ("Bob Stone", "bob@example.org")
CAROL = ("Carol Diaz", "carol@example.org")
MERGER = ("Mia Merger", "mia@example.org")
CONFIG = ReputationConfig()
RELEASE_BOT = ("release-bot[bot]", "9+release-bot[bot]@users.noreply.github.com")


def commit(reg: GitRegistry, author: tuple[str, str], message: str = "change",
           files: dict[str, str] | None = None, delete: tuple[str, ...] = ()) -> str:
    for rel, text in (files or {}).items():
        reg.write(rel, text)
    for rel in delete:
        (reg.root / rel).unlink()
    reg.clock += 3600
    stamp = f"@{reg.clock} +0000"
    reg.git("add", "-A")
    reg.git("commit", "-q", "--allow-empty", "-m", message, GIT_AUTHOR_NAME=author[0],
            GIT_AUTHOR_EMAIL=author[1], GIT_AUTHOR_DATE=stamp, GIT_COMMITTER_DATE=stamp)
    return reg.git("rev-parse", "HEAD").strip()


def manifest(name: str, version: str, login: str = "alice",
             email: str = "alice@example.org", extra: str = "") -> dict[str, str]:
    text = VALID_MANIFEST.format(name=name, version=version).replace(
        "  - github: alice\n", f"  - github: {login}\n    email: {email}\n") + extra
    return {f"submissions/{name}/{version}.yaml": text}


def table(reg: GitRegistry, config: ReputationConfig = CONFIG,
          cache: Path | None = None) -> dict[str, Contributor]:
    repo = GitRepo(reg.root)
    rows = contributors_at(repo, repo.resolve("HEAD"), config,
                           cache or reg.root / ".cache" / "fresh.sqlite")
    return {c.person.key: c for c in rows}


def points(reg: GitRegistry, **kw: object) -> dict[str, int]:
    return {k: c.points for k, c in table(reg, **kw).items()  # type: ignore[arg-type]
            if not k.startswith(("email:author@", "nadia", "priya", "tkowalski", "jhollis"))}


def test_a_published_plugin_and_its_versions(git_registry: GitRegistry) -> None:
    commit(git_registry, ALICE, "add alpha", manifest("alpha", "1.0.0"))
    commit(git_registry, ALICE, "alpha 1.1", manifest("alpha", "1.1.0"))
    row = table(git_registry)["alice"]  # the manifest gives alice's email its login
    assert row.counts == {"plugin-published": 1, "version-released": 1}
    assert row.points == 120
    assert row.plugins == ("alpha",)
    assert "first-plugin" in row.badges
    assert row.level == "Sprout"


def test_a_squash_merge_shares_with_its_co_authors(git_registry: GitRegistry) -> None:
    commit(git_registry, BOB, "add beta", manifest("beta", "1.0.0", "bob", "bob@example.org"))
    commit(git_registry, BOB, "beta 2 (#12)\n\nCo-authored-by: Carol Diaz <carol@example.org>",
           manifest("beta", "2.0.0", "bob", "bob@example.org"))
    assert points(git_registry) == {"bob": 110, "email:carol@example.org": 10}


def test_co_authors_of_a_first_publication_do_not_cut_the_publishers_share(
        git_registry: GitRegistry) -> None:
    """A review suggestion's co-author trailers on someone's first plugin: the publisher
    keeps the publication and its badge, the co-authors share plugin-coauthored points."""
    reg = git_registry
    commit(reg, BOB, "add beta (#12)\n\nCo-authored-by: Carol Diaz <carol@example.org>\n"
           "Co-authored-by: Dan Ray <dan@example.org>\n"
           "Co-authored-by: B. Stone <bob@example.org>",
           manifest("beta", "1.0.0", "bob", "bob@example.org"))
    got = table(reg)
    assert got["bob"].counts == {"plugin-published": 1}
    assert got["bob"].points == CONFIG.points["plugin-published"]
    assert "first-plugin" in got["bob"].badges
    for key in ("email:carol@example.org", "email:dan@example.org"):
        assert got[key].counts == {"plugin-coauthored": 1}
        assert "first-plugin" not in got[key].badges
    assert got["email:carol@example.org"].points + got["email:dan@example.org"].points == \
        CONFIG.points["plugin-coauthored"]
    # a bot that names its co-authors only: they are the publishers
    commit(reg, RELEASE_BOT, "add gamma\n\nCo-authored-by: Erin <erin@example.org>",
           manifest("gamma", "1.0.0", "erin", "erin@example.org"))
    assert table(reg)["email:erin@example.org"].counts == {"plugin-published": 1}


def test_a_merge_commit_credits_the_merged_authors_not_the_merger(
        git_registry: GitRegistry) -> None:
    reg = git_registry
    reg.git("checkout", "-q", "-b", "feature")
    commit(reg, BOB, "docs page", {"site/guide.md": "# Guide\n" + "text\n" * 5})
    commit(reg, CAROL, "tooling", {"tools/helper.py": "X = 1\n"})
    reg.git("checkout", "-q", "main")
    commit(reg, ALICE, "meanwhile on main", {"tools/other.py": "Y = 2\n"})
    reg.clock += 3600
    reg.git("merge", "-q", "--no-ff", "feature", "-m", "Merge pull request #3",
            GIT_AUTHOR_NAME=MERGER[0], GIT_AUTHOR_EMAIL=MERGER[1],
            GIT_AUTHOR_DATE=f"@{reg.clock} +0000", GIT_COMMITTER_DATE=f"@{reg.clock} +0000")
    got = table(reg)
    assert "email:mia@example.org" not in got
    # The merge's change (a new page and a tooling file) is shared by Bob and Carol.
    assert got["email:bob@example.org"].counts == {"docs-contribution": 1, "tooling": 1}
    assert got["email:carol@example.org"].counts == {"docs-contribution": 1, "tooling": 1}
    assert got["email:bob@example.org"].points + got["email:carol@example.org"].points == 75
    assert got["email:alice@example.org"].counts == {"tooling": 1}


def test_a_rebase_merge_credits_each_commit_to_its_author(git_registry: GitRegistry) -> None:
    commit(git_registry, BOB, "gamma", manifest("gamma", "1.0.0", "bob", "bob@example.org"))
    commit(git_registry, CAROL, "gamma 2", manifest("gamma", "2.0.0", "bob", "bob@example.org"))
    assert points(git_registry) == {"bob": 100, "email:carol@example.org": 20}


def test_mailmap_and_noreply_addresses_are_one_person(git_registry: GitRegistry) -> None:
    reg = git_registry
    commit(reg, ("Bob", "bob@old.example"), "first", manifest("delta", "1.0.0", "bob",
                                                             "bob@example.org"))
    commit(reg, ("Bob S.", "12345+bob@users.noreply.github.com"), "second",
           manifest("delta", "1.1.0", "bob", "bob@example.org"))
    assert set(points(reg)) == {"bob", "email:bob@old.example"}
    commit(reg, ALICE, "mailmap", {".mailmap": "Bob Stone <bob@example.org> <bob@old.example>\n"})
    assert points(reg) == {"bob": 120}


def test_bots_earn_nothing(git_registry: GitRegistry) -> None:
    commit(git_registry, ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com"),
           "bump", {"tools/req.txt": "x==2\n"})
    commit(git_registry, ("plugindex publish", "publish@example.org"), "rebuild the index",
           {"site/index.md": "# Index\n"})
    config, problems = parse_reputation({"bots": ["publish@example.org"]})
    assert problems == []
    assert points(git_registry, config=config) == {}
    assert points(git_registry) == {"email:publish@example.org": 50}


def test_a_revert_takes_the_points_back_and_a_revert_of_it_gives_them_back(
        git_registry: GitRegistry) -> None:
    reg = git_registry
    published = commit(reg, BOB, "epsilon", manifest("epsilon", "1.0.0", "bob",
                                                    "bob@example.org"))
    reg.git("revert", "--no-edit", published, GIT_AUTHOR_NAME=ALICE[0],
            GIT_AUTHOR_EMAIL=ALICE[1])
    row = table(reg).get("bob")
    assert row is None or (row.points, row.counts) == (0, {})
    undo = reg.git("rev-parse", "HEAD").strip()
    reg.git("revert", "--no-edit", undo)
    assert table(reg)["bob"].points == 100


def test_reviews_earn_the_reviewer_not_the_author(git_registry: GitRegistry) -> None:
    commit(git_registry, BOB, "zeta\n\nReviewed-by: Carol Diaz <carol@example.org>\n"
           "Reviewed-by: Bob Stone <bob@example.org>",
           manifest("zeta", "1.0.0", "bob", "bob@example.org"))
    assert points(git_registry) == {"bob": 100, "email:carol@example.org": 15}
    assert table(git_registry)["email:carol@example.org"].counts == {"review": 1}


@pytest.mark.parametrize(("lines", "kind"), [(2, "docs-typo"), (12, "docs-major"),
                                             (150, "docs-contribution")])
def test_documentation_by_size(git_registry: GitRegistry, lines: int, kind: str) -> None:
    commit(git_registry, ALICE, "page", {"CONTRIBUTING.md": "x\n"})
    commit(git_registry, BOB, "edit", {"CONTRIBUTING.md": "x\n" + "more words\n" * lines})
    assert table(git_registry)["email:bob@example.org"].counts == {kind: 1}


def test_yanks_and_metadata_fixes(git_registry: GitRegistry) -> None:
    reg = git_registry
    commit(reg, ALICE, "eta", manifest("eta", "1.0.0"))
    fixed = {path: text.replace("used by the tests", "used by tests")
             for path, text in manifest("eta", "1.0.0").items()}
    commit(reg, BOB, "fix", fixed)
    commit(reg, CAROL, "yank", manifest("eta", "1.0.0", extra='yanked: "broken"\n'))
    got = table(reg)
    assert got["email:bob@example.org"].counts == {"metadata-fix": 1}
    assert got["email:carol@example.org"].counts == {"lifecycle": 1}


def test_featured_and_verified_come_from_registry_yaml(git_registry: GitRegistry) -> None:
    reg = git_registry
    commit(reg, ALICE, "theta", manifest("theta", "1.0.0", "alice", "alice@example.org"))
    text = (reg.root / "registry.yaml").read_text(encoding="utf-8")
    text = text.replace("\nfeatured:", "\nfeatured:\n  - theta", 1) if "\nfeatured:" in text \
        else text + "\nfeatured: [theta]\n"
    commit(reg, MERGER, "feature theta", {"registry.yaml": text})
    row = table(reg)["alice"]
    assert row.counts == {"plugin-published": 1, "plugin-featured": 1}
    assert row.points == 350
    assert "email:mia@example.org" not in table(reg)


def test_founding_members_joined_in_the_first_90_days(git_registry: GitRegistry) -> None:
    commit(git_registry, BOB, "early", {"site/a.md": "# A\n"})
    git_registry.clock += 100 * 86_400
    commit(git_registry, CAROL, "late", {"site/b.md": "# B\n"})
    got = table(git_registry)
    assert "founding-member" in got["email:bob@example.org"].badges
    assert "founding-member" not in got["email:carol@example.org"].badges


def _saved_head(cache: Path) -> str:
    store = LedgerStore(cache)
    try:
        return store.load(CONFIG.digest()).head or ""
    finally:
        store.close()


def test_incremental_equals_full_and_a_force_push_is_recomputed(
        git_registry: GitRegistry, tmp_path: Path) -> None:
    reg = git_registry
    cache = tmp_path / "ledger.sqlite"
    commit(reg, ALICE, "iota", manifest("iota", "1.0.0"))
    base = reg.git("rev-parse", "HEAD").strip()
    commit(reg, BOB, "iota 1.1", manifest("iota", "1.1.0"))
    table(reg, cache=cache)
    commit(reg, CAROL, "iota 1.2", manifest("iota", "1.2.0"))
    incremental = table(reg, cache=cache)
    assert {k: c.points for k, c in incremental.items()} == {
        k: c.points for k, c in table(reg, cache=tmp_path / "cold.sqlite").items()}
    assert _saved_head(cache) == reg.git(
        "rev-parse", "HEAD").strip()
    # Rewrite history: Bob's and Carol's commits are gone, Carol's work comes back once.
    reg.git("reset", "-q", "--hard", base)
    commit(reg, CAROL, "iota 1.1 again", manifest("iota", "1.1.0"))
    rewritten = {k: c.points for k, c in table(reg, cache=cache).items()}
    cold = table(reg, cache=tmp_path / "cold2.sqlite")
    assert rewritten == {k: c.points for k, c in cold.items()}
    assert "email:bob@example.org" not in rewritten
    assert rewritten["email:carol@example.org"] == 20


def test_the_ledger_survives_the_store(tmp_path: Path) -> None:
    first = Award("A", "a@example.org", "tooling", 25, "1" * 40, 10, "")
    second = Award("B", "b@example.org", "review", 15, "2" * 40, 20, "")
    undo = Award("A", "a@example.org", "tooling", -25, "3" * 40, 30, "reverts")
    ledger = Ledger(head="a" * 40, start=1, awards=(first,), published=frozenset({"x"}),
                    maintainers={"x": (("alice", "alice@example.org"),)})
    assert Ledger.from_json(json.loads(json.dumps(ledger.as_json()))) == replace(
        ledger, awards=())
    store = LedgerStore(tmp_path / "ledger.sqlite")
    store.save(ledger, "c1", fresh=True)
    store.save(replace(ledger, head="b" * 40, awards=(second, undo)), "c1", fresh=False)
    assert store.load("c1").head == "b" * 40
    assert store.awards() == [first, second, undo]
    assert store.awards_of_commit("1" * 40) == store.awards_of_commit("1111111") == [first]
    assert store.awards_of([("A", "a@example.org")]) == [first, undo]
    assert store.tallies() == tally([first, second, undo])
    assert store.load("c2") == Ledger()  # another configuration starts afresh
    store.save(ledger, "c1", fresh=True)  # a full recomputation replaces every award
    assert store.awards() == [first]
    store.close()
    (tmp_path / "junk.sqlite").write_bytes(b"not a database" * 100)
    assert LedgerStore(tmp_path / "junk.sqlite").load("c1") == Ledger()


def test_tallies_add_up_and_net_out_reverts() -> None:
    a = Award("A", "a@x", "tooling", 25, "1", 10, "")
    assert tally([a, a._replace(time=5), a._replace(points=-25, time=20)]) == [
        Tally("A", "a@x", "tooling", 25, 1, 5, 10)]


def test_configuration_problems() -> None:
    _, problems = parse_reputation({"levels": [{"name": "A", "min": 5}]})
    assert [p for p, _ in problems] == [("levels",)]
    _, problems = parse_reputation({"docs": {"major": 500, "contribution": 100}})
    assert [p for p, _ in problems] == [("docs", "major")]
    config, problems = parse_reputation({"points": {"tooling": 0}})
    assert problems == []
    assert config.points["tooling"] == 0
    assert level_of(99, config) == "Seedling"
    assert level_of(5000, config) == "Ecosystem"


def test_identities() -> None:
    assert login_of("12345+Octo-Cat@users.noreply.github.com") == "Octo-Cat"
    assert login_of("octo@users.noreply.github.com") == "octo"
    assert login_of("octo@example.org") is None
    assert person("Octo", "octo@example.org", {"octo@example.org": "octo"}).key == "octo"
    assert person("Octo", "Octo@Example.org", {}).key == "email:octo@example.org"
    assert is_bot("renovate[bot]", "x@example.org")
    assert is_bot("CI", "ci@example.org", {"ci@example.org"})
    assert not is_bot("Bot Stone", "bot@example.org")
    assert not is_bot("Abbot", "talbot@example.org")
    assert not is_bot("Bottom Line", "j.bot@example.org")
    assert not is_bot("Talbot", "bot@example.org")
    for name, email in [("k8s-ci-robot", "20407524+k8s-ci-robot@users.noreply.github.com"),
                        ("release-bot", "release@example.org"),
                        ("Release Bot", "releases@example.org"),
                        ("CI", "ci_bot@example.org"),
                        ("Merger", "merge-bot@example.org"),
                        ("bors", "bors@users.noreply.github.com"),
                        ("GitHub", "noreply@github.com"),
                        ("Claude", "noreply@anthropic.com")]:
        assert is_bot(name, email), (name, email)
    message = "x\n\nCo-authored-by: A B <a@b.c>\nco-authored-by:C <c@d.e>\nReviewed-by: R <r@s.t>"
    assert trailers(message, "co-authored-by") == [("A B", "a@b.c"), ("C", "c@d.e")]
    assert trailers(message, "reviewed-by") == [("R", "r@s.t")]
    assert reverted('Revert "x"\n\nThis reverts commit 0123456789abcdef.') == "0123456789abcdef"


def test_manifest_facts() -> None:
    text = manifest("kappa", "1.0.0", "bob", "bob@example.org")["submissions/kappa/1.0.0.yaml"]
    facts = manifest_facts(text)
    assert (facts.yanked, facts.deprecated, facts.maintainers) == (
        False, False, (("bob", "bob@example.org"),))
    assert manifest_facts(text + 'yanked: "broken"\n').yanked
    assert not manifest_facts(text + "yanked: null\n").yanked
    assert manifest_facts(text + "deprecated:\n  reason: old\n").deprecated


def test_command(git_registry: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    commit(git_registry, BOB, "lambda", manifest("lambda", "1.0.0", "bob", "bob@example.org"))
    root = str(git_registry.root)
    assert main(["reputation", "--root", root]) == 0
    assert "bob" in capsys.readouterr().out
    assert main(["reputation", "bob", "--format", "json", "--root", root]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["points"] == 100
    assert [a["kind"] for a in data["awards"]] == ["plugin-published"]
    assert main(["reputation", "nobody", "--root", root]) == 2
    commit(git_registry, CAROL, "docs", {"site/z.md": "# Z\n"})
    for who in ("carol@example.org", "email:carol@example.org", "Carol@Example.org"):
        assert main(["reputation", who, "--root", root]) == 0
        assert "docs-contribution" in capsys.readouterr().out


def test_the_default_registry_leaderboard() -> None:
    """The published contributors.json of this repository's own history (kept current by
    test_default_registry) rewards its verified publishers and featured plugins' maintainers."""
    root = ROOT
    data = json.loads((root / "index" / "v1" / "contributors.json").read_bytes())
    rows = {c["id"]: c for c in data["contributors"]}
    points_in_order = [c["points"] for c in data["contributors"]]
    assert points_in_order == sorted(points_in_order, reverse=True)
    for login in ("nadia-okafor", "tkowalski", "priya-raman"):
        assert "verified-developer" in rows[login]["badges"]
    index = json.loads((root / "index" / "v1" / "index.json").read_bytes())
    maintainers = {p["name"]: set(p["maintainers"]) for p in index["plugins"]}
    for row in rows.values():
        for plugin in row["plugins"]:
            assert row["login"] in maintainers[plugin]
    # This repository's own tooling made every commit (.mailmap maps its identities to
    # plugindex-maintainers, a bot in registry.yaml): it earns nothing, and each publication
    # credits the maintainers the manifest lists, each once.
    assert not any("plugindex" in key or key.endswith(".invalid") for key in rows)
    assert sum(c["counts"].get("plugin-published", 0) for c in rows.values()) == sum(
        len(m) for m in maintainers.values())
    assert data["contributors"][0]["login"] is not None


def test_github_approvals_latest_review_wins_and_the_author_is_left_out() -> None:
    fake = FakeGitHub(pulls={12: FakePull("bob", [
        ("carol", "APPROVED"), ("dave", "CHANGES_REQUESTED"), ("erin", "APPROVED"),
        ("erin", "CHANGES_REQUESTED"), ("bob", "APPROVED"), ("dave", "APPROVED"),
        ("mallory", "APPROVED", "0" * 40, "", "NONE")])})
    with fake_github(fake):
        got = dict(pull_reviews("owner/registry", [12], "token", fake.url))
    c = "COLLABORATOR"
    assert got == {12: PullReview("bob", (("carol", c), ("dave", c), ("mallory", "NONE")))}
    # anyone may approve: a passer-by's approval vouches (see vouchers) but earns no review
    assert approvers(got[12], ()) == ("carol", "dave")


def test_github_a_number_that_is_no_pull_request_is_remembered_and_passed() -> None:
    """An issue's number (or a deleted pull request's) in a subject: answered with an empty
    author, so that it is not asked for again; what follows it is fetched."""
    fake = FakeGitHub(pulls={12: FakePull("bob")})
    with fake_github(fake):
        got = dict(pull_reviews("owner/registry", [99, 12], "token", fake.url))
        assert got == {99: PullReview("", ()), 12: PullReview("bob", ())}
        fake.failing[r"GET /repos/owner/registry/pulls/12/reviews"] = 500
        with pytest.raises(EnvironmentProblem, match="#12"):
            dict(pull_reviews("owner/registry", [12], None, fake.url))


def test_github_comment_commands_are_kept_in_order_and_quotes_are_not_commands() -> None:
    fake = FakeGitHub(pulls={12: FakePull(
        "bob", [("erin", "COMMENTED", "0" * 40, "Nice.\n/LGTM")],
        comments=[("carol", "Looks good to me.\r\n/lgtm"), ("dave", "> /lgtm\nagreed"),
                  ("carol", "/lgtm   cancel"), ("frank", "/hold\n/approve", "MEMBER"),
                  ("gus", "/lgtm\n/lgtm cancel", "MEMBER"), ("hana", "/lgtm cancel\n/lgtm"),
                  # anyone may comment: a passer-by's lines are not kept, and cannot crowd
                  # out the maintainers' however many they are
                  ("mallory", "/lgtm\n" + "/x\n" * 500, "NONE"),
                  # a word after the command is no approval, and does not hide one
                  ("jo", "/lgtm"), ("jo", "/lgtm thanks"),
                  # edited after the merge: as if written then
                  ("kim", "/lgtm", "MEMBER", "2026-02-01T00:00:00Z")],
        review_comments=[("ivan", "nit: spacing\n/lgtm")], merged_at="2026-01-20T00:00:00Z")},
        comments={1: {"issue": 12, "body": "the registry's report\n/lgtm"}})  # the bot's own
    with fake_github(fake):
        got = dict(pull_reviews("owner/registry", [12], "token", fake.url))[12]
    c, m = "COLLABORATOR", "MEMBER"
    # each login's last line of each command, in the order written
    assert got.commands == (("erin", "/lgtm", c), ("carol", "/lgtm cancel", c),
                            ("frank", "/hold", m), ("frank", "/approve", m),
                            ("gus", "/lgtm cancel", m), ("hana", "/lgtm", c),
                            ("jo", "/lgtm", c), ("ivan", "/lgtm", c))
    assert got.approved == ()
    assert approvers(got, ("/lgtm", "/approve")) == ("erin", "frank", "hana", "ivan", "jo")
    assert approvers(got, ("/approve",)) == ("frank",)


def test_github_reviews_and_commands_after_the_merge_do_not_count() -> None:
    fake = FakeGitHub(pulls={12: FakePull(
        "bob", [("erin", "APPROVED")],  # submitted 2026-01-02
        comments=[("carol", "/lgtm")],  # written 2026-01-03
        merged_at="2026-01-02T12:00:00Z")})
    with fake_github(fake):
        got = dict(pull_reviews("owner/registry", [12], "token", fake.url))[12]
    assert got == PullReview("bob", (("erin", "COLLABORATOR"),), ())
    fake.pulls[12].merged_at = "2026-01-01T12:00:00Z"
    with fake_github(fake):
        assert dict(pull_reviews("owner/registry", [12], "token", fake.url))[12] == \
            PullReview("bob", ())


def test_approvers_join_reviews_and_commands_once_each_never_the_author() -> None:
    review = PullReview("Bob", (("Dave", ""),), (("dave", "/lgtm", "MEMBER"),
                                                  ("bob", "/lgtm", "OWNER"),
                                           ("gus", "/lgtm cancel", "MEMBER"),
                                           ("gus", "/lgtm", "MEMBER")))
    assert approvers(review, ("/lgtm",)) == ("Dave", "gus")
    assert approvers(review, ()) == ("Dave",)


def test_the_reviews_file_reads_both_versions() -> None:
    old = parse_reviews(json.dumps({"schema_version": 1, "pulls": {"4": ["amy"]}}).encode())
    assert old == {4: PullReview(None, (("amy", ""),))}
    new = {4: PullReview("bob", (("amy", "MEMBER"),), (("cy", "/lgtm", "MEMBER"),)),
           5: PullReview("", ())}
    assert parse_reviews(render_reviews(new)) == new
    with pytest.raises(ValueError, match="not a reviews file"):
        parse_reviews(b'{"schema_version": 2, "pulls": {"4": ["amy"]}}')


def test_cached_approvals_earn_reviews_once(git_registry: GitRegistry) -> None:
    reg = git_registry
    commit(reg, BOB, "beta (#12)\n\nReviewed-by: Dave Doe <dave@example.org>",
           manifest("beta", "1.0.0", "bob", "bob@example.org"))
    commit(reg, CAROL, "Merge pull request #13 from carol/docs", {"site/x.md": "# X\n"})
    reviews = {"12": ["bob", "carol", "dave"], "13": ["bob"], "99": ["erin"]}
    commit(reg, ALICE, "reviews", {"index/cache/reviews.json": json.dumps(
        {"schema_version": 1, "pulls": reviews})})
    commit(reg, ALICE, "dave's login", {".mailmap": "dave <dave@users.noreply.github.com> "
                                                   "<dave@example.org>\n"})
    got = table(reg)
    # carol approved #12; bob (its author) earns nothing for approving it, and dave's trailer
    # and approval are one review; bob approved #13; #99 never merged.
    assert got["carol"].counts.get("review") == 1
    assert got["bob"].counts == {"plugin-published": 1, "review": 1}
    assert got["dave"].counts == {"review": 1}
    assert "erin" not in got
    repo = GitRepo(reg.root)
    awards = awards_of(repo, repo.resolve("HEAD"), CONFIG, got["bob"],
                       reg.root / ".cache" / "fresh.sqlite")
    assert [(a.kind, a.detail) for a in awards] == [("plugin-published", "beta"),
                                                    ("review", "approved #13")]


def test_fetch_reviews_asks_only_for_what_is_missing(git_registry: GitRegistry,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    reg = git_registry
    commit(reg, BOB, "gamma (#7)", manifest("gamma", "1.0.0", "bob", "bob@example.org"))
    commit(reg, CAROL, "Merge pull request #8 from carol/fix", {"site/y.md": "# Y\n"})
    fake = FakeGitHub(pulls={7: FakePull("bob", [("carol", "APPROVED")]), 8: FakePull("carol")})
    argv = ["reputation", "--fetch-reviews", "--repository", "owner/registry", "--root",
            str(reg.root)]
    with fake_github(fake):
        assert main([*argv, "--api-url", fake.url]) == 0
        saved = json.loads((reg.root / "index/cache/reviews.json").read_bytes())
        assert saved == {"schema_version": 2, "pulls": {
            "7": {"author": "bob", "approved": [["carol", "COLLABORATOR"]], "commands": []},
            "8": {"author": "carol", "approved": [], "commands": []}}}
        # the numbers come from the subjects: the ledger is left for the build to advance
        # with the authors known
        assert not (reg.root / LEDGER_CACHE).exists()
        fetched = [c for c in fake.calls if c.endswith("/reviews")]
        assert main([*argv, "--api-url", fake.url]) == 0
        assert [c for c in fake.calls if c.endswith("/reviews")] == fetched  # nothing new
    capsys.readouterr()


def test_links_and_vouchers_survive_the_store(tmp_path: Path) -> None:
    claim = Claim("vera@example.org", "vera", "c" * 40, 5, (("Vera", "vera@example.org"),))
    ledger = Ledger(head="a" * 40, start=1, claims=(claim,),
                    manifest_authors={"x": (("Vera", "vera@example.org"),)},
                    manifest_pulls={"x": (7, 9)})
    assert Ledger.from_json(json.loads(json.dumps(ledger.as_json()))) == ledger
    store = LedgerStore(tmp_path / "ledger.sqlite")
    store.save(ledger, "c1", fresh=True)
    assert store.load("c1") == ledger
    store.close()


def test_a_manifest_links_an_email_only_when_that_email_made_the_commit() -> None:
    vera, mallory = ("Vera", "vera@example.org"), ("M", "4242+mallory@users.noreply.github.com")
    ledger = Ledger(claims=(
        Claim("vera@example.org", "mallory", "1" * 40, 1, (mallory,)),  # not hers: ignored
        Claim("old@example.org", "vera", "2" * 40, 2, (("Vera", "old@example.org"),)),
        Claim("vera@example.org", "vera", "3" * 40, 3, (vera, mallory)),  # hers: the link
        Claim("vera@example.org", "mallory", "4" * 40, 4, (vera,)),  # the first link stays
        Claim("work@example.org", "vera", "5" * 40, 5, (vera,)),  # authored by another email
    ))
    assert logins_of(ledger) == {"vera@example.org": "vera", "old@example.org": "vera"}
    # .mailmap (the admins' channel) says who authored a commit, old ones too.
    mailmap = {"Vera <vera@example.org>": "Vera <work@example.org>"}
    assert logins_of(ledger, mailmap) == {"old@example.org": "vera", "work@example.org": "vera"}


def test_vouchers_are_noreply_authors_and_approvers() -> None:
    ledger = Ledger(
        claims=(Claim("sam@example.org", "pia", "1" * 40, 1, (("Sam", "sam@example.org"),)),),
        manifest_authors={"gadget": (("Sam", "sam@example.org"),),
                          "widget": (("Pia", "777+Pia@users.noreply.github.com"),),
                          "gizmo": (("Pia", "pia@corp.example"),)},
        manifest_pulls={"gadget": (9,), "gizmo": (10,)})
    assert vouchers(ledger, {}) == {"widget": frozenset({"pia"})}  # Sam's link proves nothing
    assert vouchers(ledger, {9: ("Pia",), 11: ("pia",)}) == {
        "gadget": frozenset({"pia"}), "widget": frozenset({"pia"})}
    mailmap = {"Pia <pia@corp.example>": "Pia <777+pia@users.noreply.github.com>"}
    assert vouchers(ledger, {}, mailmap)["gizmo"] == frozenset({"pia"})


def test_a_link_made_later_moves_earlier_awards_incrementally_as_cold(
        git_registry: GitRegistry, tmp_path: Path) -> None:
    reg = git_registry
    cache = tmp_path / "ledger.sqlite"
    commit(reg, CAROL, "docs", {"site/c.md": "# C\n"})
    commit(reg, ALICE, "someone else's claim", manifest("mu", "1.0.0", "alice", CAROL[1]))
    assert "email:carol@example.org" in table(reg, cache=cache)
    commit(reg, CAROL, "nu", manifest("nu", "1.0.0", "carol", CAROL[1]))
    incremental = {k: (c.points, c.counts) for k, c in table(reg, cache=cache).items()}
    cold = {k: (c.points, c.counts) for k, c in table(reg, cache=tmp_path / "cold.sqlite").items()}
    assert incremental == cold
    assert incremental["carol"] == (150, {"docs-contribution": 1, "plugin-published": 1})
    assert incremental["email:alice@example.org"] == (100, {"plugin-published": 1})


def test_one_person_gets_one_share_whatever_names_and_noreply_forms(
        git_registry: GitRegistry) -> None:
    """Trailers naming one person twice (two names, one address; or a login's two noreply
    forms) give that person one share of the change, not two."""
    commit(git_registry, BOB, "add beta", manifest("beta", "1.0.0", "bob", "bob@example.org"))
    commit(git_registry, BOB, "beta 2 (#12)\n\nCo-authored-by: Carol Diaz <carol@example.org>"
           "\nCo-authored-by: C. Diaz <carol@example.org>",
           manifest("beta", "2.0.0", "bob", "bob@example.org"))
    assert points(git_registry) == {"bob": 110, "email:carol@example.org": 10}
    commit(git_registry, ("Dan", "77+dan@users.noreply.github.com"),
           "add gamma\n\nCo-authored-by: Dan Ray <dan@users.noreply.github.com>",
           manifest("gamma", "1.0.0", "dan", "77+dan@users.noreply.github.com"))
    assert points(git_registry)["dan"] == 100


def test_automation_co_authors_earn_nothing_and_take_no_share(
        git_registry: GitRegistry) -> None:
    commit(git_registry, BOB, "add beta\n\nCo-authored-by: Claude <noreply@anthropic.com>\n"
           "Co-authored-by: github-actions <action@github.com>",
           manifest("beta", "1.0.0", "bob", "bob@example.org"))
    assert points(git_registry) == {"bob": 100}


def test_a_release_made_by_the_bot_credits_who_released(git_registry: GitRegistry) -> None:
    commit(git_registry, ALICE, "add alpha", manifest("alpha", "1.0.0"))
    commit(git_registry, ("plugindex-release[bot]",
                          "plugindex-release[bot]@users.noreply.github.com"),
           "alpha 1.1.0\n\nOn-behalf-of: alice <alice@users.noreply.github.com>",
           manifest("alpha", "1.1.0"))
    row = table(git_registry)["alice"]
    assert row.counts == {"plugin-published": 1, "version-released": 1}
    assert not any("release" in key for key in table(git_registry))


def test_a_bot_that_names_nobody_credits_the_plugins_maintainers(
        git_registry: GitRegistry) -> None:
    """A release bot's commit with no trailer: the maintainers its manifest lists take the
    version's points (by their logins); the bot earns nothing."""
    commit(git_registry, ALICE, "add alpha", manifest("alpha", "1.0.0"))
    commit(git_registry, ("release-bot[bot]", "9+release-bot[bot]@users.noreply.github.com"),
           "alpha 1.1.0", manifest("alpha", "1.1.0", "carol", "carol@example.org"))
    got = table(git_registry)
    assert got["carol"].counts == {"version-released": 1}
    assert got["alice"].counts == {"plugin-published": 1}
    assert not any("release-bot" in key for key in got)


def test_a_renamed_plugin_is_not_published_twice(git_registry: GitRegistry) -> None:
    """Renaming a plugin (the old one deprecated with the new name as its replacement) earns
    a release, not a second publication; the new name may sort before the old one."""
    commit(git_registry, ALICE, "add zeta", manifest("zeta", "1.0.0"))
    deprecation = "deprecated:\n  reason: renamed\n  replacement: alpha-zeta\n"
    commit(git_registry, ALICE, "zeta is now alpha-zeta",
           {**manifest("zeta", "1.0.0", extra=deprecation),
            **manifest("alpha-zeta", "1.0.0")})
    row = table(git_registry)["alice"]
    assert row.counts == {"plugin-published": 1, "version-released": 1, "lifecycle": 1}
    commit(git_registry, ALICE, "a plugin of its own", manifest("omega", "1.0.0"))
    assert table(git_registry)["alice"].counts["plugin-published"] == 2


def test_a_sweep_over_many_manifests_earns_as_a_few_fixes(git_registry: GitRegistry) -> None:
    """Reformatting 8 manifests in one commit earns BULK_FIXES metadata fixes, not 8: less
    than publishing one plugin."""
    reg = git_registry
    for i in range(8):
        commit(reg, ALICE, f"p{i}", manifest(f"p{i}", "1.0.0"))
    swept = {path: text.replace("used by the tests", "used by tests")
             for i in range(8) for path, text in manifest(f"p{i}", "1.0.0").items()}
    commit(reg, BOB, "a sweep", swept)
    bob = table(reg)["email:bob@example.org"]
    assert bob.counts == {"metadata-fix": BULK_FIXES}
    assert bob.points < CONFIG.points["plugin-published"]


def test_likely_same_people_are_reported_for_the_mailmap(
        git_registry: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    commit(git_registry, ("Bob Stone", "bob@work.example"), "docs",
           {"site/a.md": "# A\n" + "text\n" * 12})
    commit(git_registry, ("bob  stone", "bob@home.example"), "docs",
           {"site/b.md": "# B\n" + "text\n" * 12})
    commit(git_registry, CAROL, "docs", {"site/c.md": "# C\n" + "text\n" * 12})
    # a login and an address of one handle: 'Wen Berg' <wen.berg@...> and login wenberg
    commit(git_registry, ("Wen Berg", "wen.berg@corp.example"), "docs",
           {"site/d.md": "# D\n" + "text\n" * 12})
    commit(git_registry, ("W", "7+wenberg@users.noreply.github.com"), "docs",
           {"site/e.md": "# E\n" + "text\n" * 12})
    assert main(["reputation", "--same-people", "--format", "json",
                 "--root", str(git_registry.root)]) == 0
    groups = [sorted(g) for g in json.loads(capsys.readouterr().out)]
    assert ["email:bob@home.example", "email:bob@work.example"] in groups
    assert ["email:wen.berg@corp.example", "wenberg"] in groups
    assert len(groups) == 2
    # generic or address-only handles join nobody: info@ of two projects, two Toms' tom@
    for who in [("Ann Lee", "info@alpha.example"), ("Bob Ray", "info@beta.example"),
                ("T", "tom@one.example"), ("U", "tom@two.example")]:
        commit(git_registry, who, "docs", {f"site/{who[1]}.md": "# X\n" + "text\n" * 12})
    assert main(["reputation", "--same-people", "--format", "json",
                 "--root", str(git_registry.root)]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 2
    assert main(["reputation", "--same-people", "--root", str(git_registry.root)]) == 0
    assert "wenberg" in capsys.readouterr().out


def reviews_file(pulls: dict[int, PullReview]) -> dict[str, str]:
    return {"index/cache/reviews.json": render_reviews(pulls).decode()}




def test_a_bot_commit_credits_its_pull_requests_author_before_the_maintainers(
        git_registry: GitRegistry) -> None:
    """A bot's commit that names nobody goes to the author of the pull request it came from,
    once the reviews cache knows that author (the ledger saved before is made again); a
    trailer still comes first, and a bot author falls through to the maintainers."""
    reg = git_registry
    cache = reg.root / ".cache" / "kept.sqlite"
    commit(reg, ALICE, "add alpha", manifest("alpha", "1.0.0"))
    commit(reg, RELEASE_BOT, "alpha 1.1.0 (#21)", manifest("alpha", "1.1.0"))
    commit(reg, RELEASE_BOT, "alpha 1.2.0 (#22)\n\nOn-behalf-of: Bob <bob@example.org>",
           manifest("alpha", "1.2.0"))
    commit(reg, RELEASE_BOT, "alpha 1.3.0 (#23)", manifest("alpha", "1.3.0"))
    before = table(reg, cache=cache)
    assert before["alice"].counts["version-released"] == 2  # #21 and #23: the maintainer
    commit(reg, ALICE, "reviews", reviews_file({
        21: PullReview("dora", ()), 22: PullReview("erin", ()),
        23: PullReview("renovate[bot]", ())}))
    got = table(reg, cache=cache)
    assert got == table(reg)  # the saved ledger was made again, as a cold one is
    assert got["dora"].counts == {"version-released": 1}
    assert "erin" not in got  # the trailer named bob
    assert got["email:bob@example.org"].counts == {"version-released": 1}
    assert got["alice"].counts == {"plugin-published": 1, "version-released": 1}
    assert not any("bot" in key for key in got)


def test_comment_commands_earn_reviews_as_configured(git_registry: GitRegistry) -> None:
    reg = git_registry
    commit(reg, BOB, "add beta (#12)", manifest("beta", "1.0.0", "bob", "bob@example.org"))
    m = "MEMBER"
    commit(reg, ALICE, "reviews", reviews_file({12: PullReview("bob", (("carol", "OWNER"),), (
        ("dave", "/lgtm", m), ("erin", "/approve", m), ("erin", "/approve cancel", m),
        ("frank", "/ship-it", m), ("bob", "/lgtm", m), ("carol", "/lgtm", m),
        ("k8s-ci-robot", "/lgtm", m), ("gina", "/lgtm", "CONTRIBUTOR")))}))
    got = table(reg)  # k8s-ci-robot: a robot by its name
    reviewed = {k for k, c in got.items() if c.counts.get("review")}
    assert reviewed == {"carol", "dave"}
    assert got["carol"].counts["review"] == 1  # an approval and a command are one review
    config, problems = parse_reputation({"review_commands": ["/Ship-It"]})
    assert not problems
    assert config.review_commands == ("/ship-it",)
    reviewed = {k for k, c in table(reg, config=config).items() if c.counts.get("review")}
    assert reviewed == {"carol", "frank"}


def test_levels_aim_at_shares_and_suggest_thresholds_that_meet_them() -> None:
    aims = level_aims(6)
    assert [round(a, 3) for a in aims] == [1.0, 0.6, 0.216, 0.077, 0.028, 0.01]
    assert level_aims(1) == [1.0]
    assert level_aims(2) == [1.0, 0.6]
    people = [Contributor(person(f"p{i}", f"p{i}@example.org", {}), points, level_of(
        points, CONFIG), (), {}, None, None, (), ()) for i, points in enumerate(
        [*range(20_000, 2000, -1000), *range(2000, 100, -20), *[100] * 60,
         *range(99, 9, -1), *[5] * 150])]
    report = level_report(people, CONFIG)
    assert [r["name"] for r in report] == [n for n, _ in CONFIG.levels]
    assert sum(r["contributors"] for r in report) == len(people)
    assert report[0]["suggested"] == 0
    suggested = [r["suggested"] for r in report]
    assert suggested == sorted(set(suggested))  # strictly rising
    for r in report[1:]:  # the suggested thresholds are reached by about the aimed share
        reach = sum(c.points >= r["suggested"] for c in people) / len(people)
        assert abs(reach - r["aim"]) < 0.05, r
    # a plateau at the aimed rank: the lowest score above it, not everyone on it
    two = replace(CONFIG, levels=(("first", 0), ("second", 1)))
    flat = [replace(people[0], points=p) for p in [50, 40, 30, 20, 10, 5, 5, 5, 5, 5]]
    assert [r["suggested"] for r in level_report(flat, two)] == [0, 10]
    # too few contributors to tell: no suggestion where the aim is under one of them
    assert [r["suggested"] for r in level_report([], CONFIG)] == [0, *[None] * 5]
    few = level_report(people[:10], CONFIG)
    assert [r["suggested"] is None for r in few] == [False, False, False, False, True, True]


def test_the_levels_report(git_registry: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    commit(git_registry, ALICE, "add alpha", manifest("alpha", "1.0.0"))
    commit(git_registry, BOB, "docs", {"site/a.md": "# A\n"})
    assert main(["reputation", "--levels", "--format", "json",
                 "--root", str(git_registry.root)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [(r["name"], r["min"]) for r in report] == list(CONFIG.levels)
    assert sum(r["contributors"] for r in report) == len(table(git_registry))
    assert main(["reputation", "--levels", "--root", str(git_registry.root)]) == 0
    assert "Ecosystem" in capsys.readouterr().out


def test_fetch_reviews_keeps_what_it_fetched_when_github_stops_answering(
        git_registry: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    """Newest first, and what was fetched is written before the error: a rate limit
    halfway through a long history loses nothing, and the next run asks for the rest."""
    reg = git_registry
    commit(reg, BOB, "gamma (#7)", manifest("gamma", "1.0.0", "bob", "bob@example.org"))
    commit(reg, CAROL, "docs (#8)", {"site/y.md": "# Y\n"})
    commit(reg, ALICE, "old cache", {"index/cache/reviews.json": json.dumps(
        {"schema_version": 1, "pulls": {"7": ["dave"], "8": ["dave"]}})})
    fake = FakeGitHub(pulls={7: FakePull("bob"), 8: FakePull("carol", [("erin", "APPROVED")])},
                      failing={r"GET /repos/owner/registry/pulls/7": 403})
    argv = ["reputation", "--fetch-reviews", "--repository", "owner/registry", "--root",
            str(reg.root)]
    with fake_github(fake):
        assert main([*argv, "--api-url", fake.url]) != 0
        saved = parse_reviews((reg.root / "index/cache/reviews.json").read_bytes())
        # version 1 entries are asked for again: #8 was, #7 keeps its old entry
        assert saved == {7: PullReview(None, (("dave", ""),)),
                         8: PullReview("carol", (("erin", "COLLABORATOR"),))}
        fake.failing.clear()
        assert main([*argv, "--api-url", fake.url]) == 0
        saved = parse_reviews((reg.root / "index/cache/reviews.json").read_bytes())
        assert saved == {7: PullReview("bob", ()),
                         8: PullReview("carol", (("erin", "COLLABORATOR"),))}
        assert sum(c.endswith("/pulls/8/reviews") for c in fake.calls) == 1
    capsys.readouterr()


def test_a_publisher_named_as_its_co_author_too_gets_the_publication_only(
        git_registry: GitRegistry) -> None:
    """Bob publishes from his work address (which the manifest links to 'bob') and names
    his noreply address as co-author: one person, so 100, not 120; kept and cold ledgers
    agree, and a revert nets to nothing."""
    reg = git_registry
    kept = reg.root / ".cache" / "kept.sqlite"
    published = commit(reg, BOB, "add beta (#12)\n\nCo-authored-by: Bob Stone "
                       "<5+bob@users.noreply.github.com>\nCo-authored-by: Carol Diaz "
                       "<carol@example.org>", manifest("beta", "1.0.0", "bob", "bob@example.org"))
    got = table(reg, cache=kept)
    assert got["bob"].counts == {"plugin-published": 1}
    assert got["bob"].points == 100
    assert got["email:carol@example.org"].counts == {"plugin-coauthored": 1}
    repo = GitRepo(reg.root)
    awards = awards_of(repo, repo.resolve("HEAD"), CONFIG, got["bob"], kept)
    assert sum(a.points for a in awards) == 100
    commit(reg, CAROL, f'Revert "add beta"\n\nThis reverts commit {published}.',
           delete=("submissions/beta/1.0.0.yaml",))
    after = table(reg, cache=kept)
    assert after == table(reg)
    assert "bob" not in after or after["bob"].points == 0


def test_a_release_bot_nothing_recognises_is_reported(
        git_registry: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    """An unrecognised release bot (an ordinary-looking identity releasing plugins it does not
    maintain, and doing nothing else) is listed for the admins; its maintainers are not."""
    reg = git_registry
    publisher = ("Registry Publisher", "publisher@registry.example")
    for i in range(6):
        commit(reg, ALICE, f"add p{i}", manifest(f"p{i}", "1.0.0"))
        commit(reg, ALICE, f"p{i} 1.1", manifest(f"p{i}", "1.1.0"))
        for minor in (2, 3):
            commit(reg, publisher, f"p{i} 1.{minor}", manifest(f"p{i}", f"1.{minor}.0"))
        for minor in (4, 5):  # a core maintainer who releases for others, and writes docs
            commit(reg, CAROL, f"p{i} 1.{minor}", manifest(f"p{i}", f"1.{minor}.0"))
    commit(reg, CAROL, "docs", {"site/core.md": "# Core\n"})
    assert main(["reputation", "--likely-bots", "--format", "json",
                 "--root", str(reg.root)]) == 0
    assert [s["id"] for s in json.loads(capsys.readouterr().out)] == [
        "email:publisher@registry.example"]
    bots = ReputationConfig(bots=frozenset({"publisher@registry.example"}))
    assert "email:publisher@registry.example" not in table(reg, config=bots)


def test_the_pull_requests_of_history_are_named_by_first_lines(git_registry: GitRegistry) -> None:
    reg = git_registry
    commit(reg, ALICE, "Fix the summary (#41)\nwrapped on a second line", {"site/a.md": "# A\n"})
    commit(reg, ALICE, "A long title that\nwraps (#42)", {"site/b.md": "# B\n"})
    commit(reg, ALICE, "Merge pull request #43 from alice/x", {"site/c.md": "# C\n"})
    repo = GitRepo(reg.root)
    assert pull_numbers(repo, repo.resolve("HEAD")) == [41, 43]


def test_releases_by_contact_reads_reverts_of_reverts(git_registry: GitRegistry) -> None:
    reg = git_registry
    commit(reg, ALICE, "add alpha", manifest("alpha", "1.0.0"))
    released = commit(reg, ALICE, "alpha 1.1", manifest("alpha", "1.1.0"))
    undo = commit(reg, BOB, f'Revert "alpha 1.1"\n\nThis reverts commit {released}.',
                  delete=("submissions/alpha/1.1.0.yaml",))
    commit(reg, BOB, f'Revert "Revert"\n\nThis reverts commit {undo}.', manifest("alpha", "1.1.0"))
    table(reg, cache=reg.root / ".cache" / "kept.sqlite")
    got = releases_by_contact(GitRepo(reg.root), reg.root / ".cache" / "kept.sqlite")
    assert {contact: dict(c) for contact, c in got.items()} == {ALICE: {"alpha": 1}}


def test_a_person_the_rules_take_for_automation_is_named_with_a_bang() -> None:
    assert is_bot("Jan Bot", "jan@example.nl")
    assert not is_bot("Jan Bot", "jan@example.nl", {"!jan@example.nl"})
    assert not is_bot("Jan Bot", "jan@example.nl", {"!Jan Bot", "release-helper"})
    assert is_bot("release-helper", "rh@example.org", {"!jan@example.nl", "release-helper"})
    assert not is_bot("Ann", "ann@example.org", {"!"})  # an empty name excuses nobody else
    assert is_bot("CI", "ci@example.org", {"!"} | {"ci@example.org"})
