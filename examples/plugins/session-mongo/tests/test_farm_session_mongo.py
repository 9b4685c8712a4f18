import time

from farm_session_mongo import CookieSigner, MongoSessionMiddleware


def test_sign_and_unsign():
    signer = CookieSigner("k" * 32, max_age=60)
    sid = signer.new_id()
    assert signer.unsign(signer.sign(sid)) == sid


def test_tampered_cookie_is_ignored():
    signer = CookieSigner("k" * 32, max_age=60)
    cookie = signer.sign("abc")
    assert signer.unsign(cookie[:-1] + ("A" if cookie[-1] != "A" else "B")) is None
    assert signer.unsign(None) is None
    assert signer.unsign("") is None


def test_other_key_is_rejected():
    cookie = CookieSigner("a" * 32, max_age=60).sign("abc")
    assert CookieSigner("b" * 32, max_age=60).unsign(cookie) is None


def test_expired_cookie(monkeypatch):
    signer = CookieSigner("k" * 32, max_age=10)
    cookie = signer.sign("abc")
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 3600)
    assert signer.unsign(cookie) is None


def test_cookie_flags():
    mw = MongoSessionMiddleware(app=None, collection=None, signer=CookieSigner("k" * 32, 300))
    header = mw.cookie("value")
    assert "HttpOnly" in header and "Secure" in header and "Max-Age=300" in header
    assert "Max-Age=0" in mw.cookie("", max_age=0)
