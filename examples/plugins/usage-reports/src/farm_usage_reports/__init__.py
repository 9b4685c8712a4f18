from farm_usage_reports.plugin import daily_active_users_pipeline, funnel, register, top_events_pipeline

__all__ = ["daily_active_users_pipeline", "funnel", "register", "top_events_pipeline"]
