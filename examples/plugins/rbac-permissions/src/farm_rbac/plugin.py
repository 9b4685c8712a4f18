"""Roles grant permissions like ``posts:write``; roles may inherit other roles."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from fnmatch import fnmatchcase
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request, status

DEFAULT_POLICY = {
    "viewer": {"grants": ["*:read"]},
    "editor": {"inherits": ["viewer"], "grants": ["posts:write", "media:write"]},
    "admin": {"inherits": ["editor"], "grants": ["*"]},
}


class Policy:
    def __init__(self, roles: Mapping[str, Mapping[str, Iterable[str]]]) -> None:
        self.roles = {name: {"inherits": list(spec.get("inherits", ())),
                             "grants": list(spec.get("grants", ()))}
                      for name, spec in roles.items()}
        for name in self.roles:
            self.expand(name)  # fail early on unknown or cyclic inheritance

    def expand(self, role: str, _seen: tuple[str, ...] = ()) -> set[str]:
        """All permission patterns granted to ``role``, including inherited ones."""
        if role in _seen:
            raise ValueError("role inheritance cycle: " + " -> ".join((*_seen, role)))
        if role not in self.roles:
            raise KeyError(f"unknown role {role!r}")
        spec = self.roles[role]
        grants = set(spec["grants"])
        for parent in spec["inherits"]:
            grants |= self.expand(parent, (*_seen, role))
        return grants

    def allows(self, roles: Iterable[str], permission: str) -> bool:
        for role in roles:
            if role not in self.roles:
                continue
            if any(fnmatchcase(permission, pattern) for pattern in self.expand(role)):
                return True
        return False


def require(*permissions: str) -> Callable[..., Any]:
    """Dependency factory: ``Depends(require("posts:write"))``."""
    from farm_auth_jwt import current_user

    def checker(request: Request, claims: dict[str, Any] = Depends(current_user)) -> dict[str, Any]:
        policy: Policy = request.app.state.rbac_policy
        roles = claims.get("roles", [])
        missing = [p for p in permissions if not policy.allows(roles, p)]
        if missing:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"missing permission: {', '.join(missing)}")
        return claims

    return checker


def register(app: FastAPI, config: Mapping[str, Any] | None = None) -> None:
    config = dict(config or {})
    app.state.rbac_policy = Policy(config.get("roles", DEFAULT_POLICY))
