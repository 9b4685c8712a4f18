import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest

from farm_auth_oauth import authorize_url, pkce_pair


def test_pkce_challenge_matches_verifier():
    verifier, challenge = pkce_pair()
    assert 43 <= len(verifier) <= 128
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    assert challenge == expected.decode()


def test_pkce_pairs_are_random():
    assert pkce_pair() != pkce_pair()


def test_authorize_url_for_github():
    url = authorize_url("github", "abc123", "https://app.example.com/cb", "st", "ch")
    parts = urlsplit(url)
    assert parts.netloc == "github.com"
    query = parse_qs(parts.query)
    assert query["client_id"] == ["abc123"]
    assert query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == ["https://app.example.com/cb"]


def test_unknown_provider():
    with pytest.raises(KeyError):
        authorize_url("myspace", "id", "https://x.example/cb", "s", "c")
