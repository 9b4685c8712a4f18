import pytest

from farm_env_config import deep_merge, interpolate, load_config


def test_interpolation_with_defaults():
    env = {"HOST": "db.internal"}
    assert interpolate("mongodb://${HOST}:${PORT:-27017}", env) == "mongodb://db.internal:27017"


def test_missing_variable_without_default():
    with pytest.raises(KeyError, match="API_KEY"):
        interpolate({"llm": {"key": "${API_KEY}"}}, {})


def test_interpolation_recurses_and_keeps_other_types():
    assert interpolate({"a": ["${X}", 3, None]}, {"X": "x"}) == {"a": ["x", 3, None]}


def test_deep_merge():
    base = {"mongo": {"uri": "a", "db": "farm"}, "debug": False}
    assert deep_merge(base, {"mongo": {"uri": "b"}, "debug": True}) == {
        "mongo": {"uri": "b", "db": "farm"}, "debug": True}


def test_profiles(tmp_path, monkeypatch):
    monkeypatch.setenv("TOKENIZERS", "off")
    (tmp_path / "farm.yaml").write_text("debug: true\nmongo_db: farm\nflag: ${TOKENIZERS}\n")
    (tmp_path / "farm.production.yaml").write_text("debug: false\n")
    config = load_config(tmp_path, "production")
    assert config == {"debug": False, "mongo_db": "farm", "flag": "off", "profile": "production"}


def test_env_tag(tmp_path, monkeypatch):
    monkeypatch.setenv("SENTRY_DSN", "https://key@sentry.example/1")
    (tmp_path / "farm.yaml").write_text("sentry: !env SENTRY_DSN\n")
    assert load_config(tmp_path, "test")["sentry"] == "https://key@sentry.example/1"
