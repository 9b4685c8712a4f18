import pytest

from farm_rbac import Policy
from farm_rbac.plugin import DEFAULT_POLICY


@pytest.fixture
def policy():
    return Policy(DEFAULT_POLICY)


def test_viewer_reads_everything_but_writes_nothing(policy):
    assert policy.allows(["viewer"], "posts:read")
    assert not policy.allows(["viewer"], "posts:write")


def test_inheritance(policy):
    assert policy.allows(["editor"], "users:read")
    assert policy.expand("admin") >= {"*", "posts:write", "*:read"}


def test_unknown_roles_grant_nothing(policy):
    assert not policy.allows(["superuser"], "posts:read")


def test_cycles_are_rejected():
    with pytest.raises(ValueError, match="cycle"):
        Policy({"a": {"inherits": ["b"]}, "b": {"inherits": ["a"]}})


def test_missing_parent_is_rejected():
    with pytest.raises(KeyError):
        Policy({"a": {"inherits": ["ghost"]}})
