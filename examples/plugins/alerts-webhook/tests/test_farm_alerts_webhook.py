from types import SimpleNamespace

from farm_alerts_webhook import AlertState, slack_payload


def result(name, ok, error=None):
    return SimpleNamespace(name=name, ok=ok, error=error)


def test_fires_after_consecutive_failures_only_once():
    state = AlertState(min_failures=2)
    assert state.update([result("db", False, "down")]) == []
    assert state.update([result("db", False, "down")]) == [("db", "firing", "down")]
    assert state.update([result("db", False, "down")]) == []


def test_resolves_when_check_recovers():
    state = AlertState(min_failures=1)
    state.update([result("db", False, "down")])
    assert state.update([result("db", True)]) == [("db", "resolved", None)]
    assert state.update([result("db", True)]) == []


def test_flapping_below_threshold_is_silent():
    state = AlertState(min_failures=3)
    for ok in (False, False, True, False, False, True):
        assert state.update([result("db", ok)]) == []


def test_slack_payload():
    payload = slack_payload("shop", "mongodb", "firing", "timed out")
    assert payload["text"].startswith(":red_circle: *shop*")
    assert payload["blocks"][0]["text"]["text"].endswith("> timed out")
