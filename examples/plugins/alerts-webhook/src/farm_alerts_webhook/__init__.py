from farm_alerts_webhook.plugin import AlertState, slack_payload, register

__all__ = ["AlertState", "slack_payload", "register"]
