from farm_structlog import redact
from farm_structlog.plugin import REQUEST_ID


def test_sensitive_keys_are_masked():
    event = {"event": "login", "user": "ada", "password": "hunter2", "API-Key": "sk"}
    assert redact(None, "info", event) == {
        "event": "login", "user": "ada", "password": "[redacted]", "API-Key": "[redacted]"}


def test_nested_dicts_are_masked():
    event = {"event": "call", "headers": {"Authorization": "Bearer x", "Accept": "*/*"}}
    assert redact(None, "info", event)["headers"] == {"Authorization": "[redacted]", "Accept": "*/*"}


def test_request_id_validation():
    assert REQUEST_ID.match("3f2a-bb.01")
    assert not REQUEST_ID.match("evil\nheader")
    assert not REQUEST_ID.match("x" * 65)
