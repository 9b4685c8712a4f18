from farm_auth_oauth.plugin import PROVIDERS, authorize_url, pkce_pair, register

__all__ = ["PROVIDERS", "authorize_url", "pkce_pair", "register"]
