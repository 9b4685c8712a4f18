from farm_chat_widget import TokenBucket, trim_history


def msg(role, n):
    return {"role": role, "content": "x" * n}


def test_trim_keeps_newest_within_budget():
    history = [msg("user", 100), msg("assistant", 100), msg("user", 100)]
    assert trim_history(history, max_chars=250) == history[1:]


def test_trim_always_keeps_last_message():
    assert trim_history([msg("user", 10_000)], max_chars=10) == [msg("user", 10_000)]


def test_trim_limits_turns():
    history = [msg("user", 1) for _ in range(30)]
    assert len(trim_history(history, max_turns=12)) == 12


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_bucket_allows_burst_then_refills():
    clock = FakeClock()
    bucket = TokenBucket(rate=2, per=60, clock=clock)
    assert bucket.allow("a") and bucket.allow("a")
    assert not bucket.allow("a")
    assert bucket.allow("b")
    clock.now = 30
    assert bucket.allow("a")
    assert not bucket.allow("a")
