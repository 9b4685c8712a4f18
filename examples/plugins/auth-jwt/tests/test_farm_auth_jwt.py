from datetime import datetime, timedelta, timezone

import jwt
import pytest

from farm_auth_jwt import JWTSettings, TokenService, hash_password, verify_password

SECRET = "x" * 48


@pytest.fixture
def service():
    return TokenService(JWTSettings(secret=SECRET))


def test_round_trip(service):
    claims = service.verify(service.issue("user-1", roles=["admin", "admin", "editor"]))
    assert claims["sub"] == "user-1"
    assert claims["roles"] == ["admin", "editor"]


def test_refresh_token_is_not_an_access_token(service):
    with pytest.raises(jwt.InvalidTokenError):
        service.verify(service.issue("user-1", kind="refresh"))


def test_expired_token_is_rejected(service):
    old = datetime.now(timezone.utc) - timedelta(hours=1)
    with pytest.raises(jwt.ExpiredSignatureError):
        service.verify(service.issue("user-1", now=old))


def test_wrong_audience_is_rejected(service):
    other = TokenService(JWTSettings(secret=SECRET, audience="someone-else"))
    with pytest.raises(jwt.InvalidAudienceError):
        service.verify(other.issue("user-1"))


def test_short_hmac_secret_is_refused():
    with pytest.raises(ValueError):
        JWTSettings(secret="short")


def test_password_hashing():
    hashed = hash_password("correct horse battery staple")
    assert verify_password("correct horse battery staple", hashed)
    assert not verify_password("Tr0ub4dor&3", hashed)
