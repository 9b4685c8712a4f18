"""Post to Slack (or any webhook) when a health check starts or stops failing."""

from __future__ import annotations

import asyncio
import logging
import os
import random
import time
from collections.abc import Iterable, Mapping
from typing import Any

import requests

log = logging.getLogger("farm.alerts")


class AlertState:
    """Remembers the last state of each check and reports only transitions."""

    def __init__(self, min_failures: int = 2) -> None:
        self.min_failures = min_failures
        self.failures: dict[str, int] = {}
        self.alerting: set[str] = set()

    def update(self, results: Iterable[Any]) -> list[tuple[str, str, str | None]]:
        """Return ``(check, "firing"|"resolved", error)`` for checks that changed."""
        changes = []
        for result in results:
            if result.ok:
                self.failures[result.name] = 0
                if result.name in self.alerting:
                    self.alerting.discard(result.name)
                    changes.append((result.name, "resolved", None))
                continue
            count = self.failures.get(result.name, 0) + 1
            self.failures[result.name] = count
            if count >= self.min_failures and result.name not in self.alerting:
                self.alerting.add(result.name)
                changes.append((result.name, "firing", result.error))
        return changes


def slack_payload(service: str, check: str, state: str, error: str | None) -> dict[str, Any]:
    emoji = ":red_circle:" if state == "firing" else ":large_green_circle:"
    text = f"{emoji} *{service}*: health check `{check}` is {state}"
    if error:
        text += f"\n> {error}"
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


def post(url: str, payload: Mapping[str, Any], attempts: int = 3) -> bool:
    for attempt in range(1, attempts + 1):
        try:
            response = requests.post(url, json=payload)
            if response.status_code < 400:
                return True
            log.warning("webhook answered %s", response.status_code)
        except requests.RequestException as exc:
            log.warning("webhook failed: %s", exc)
        if attempt < attempts:
            time.sleep(2 ** attempt + random.uniform(0, 1))  # nosec B311 - jitter, not crypto
    return False


def check_webhook(url: str) -> bool:
    """Used by ``farm alerts test``: a GET on the webhook host must not fail."""
    return requests.get(url).status_code < 500


def register(app: Any, config: Mapping[str, Any] | None = None) -> None:
    config = dict(config or {})
    url = config.get("url") or os.environ.get("FARM_ALERT_WEBHOOK_URL")
    if not url:
        log.info("alerts-webhook: no webhook URL configured, alerts disabled")
        return
    service = config.get("service", os.environ.get("FARM_SERVICE_NAME", "farm-app"))
    state = AlertState(min_failures=int(config.get("min_failures", 2)))

    async def on_results(results: list[Any]) -> None:
        for check, status, error in state.update(results):
            await asyncio.to_thread(post, url, slack_payload(service, check, status, error))

    app.state.health.listeners.append(on_results)
