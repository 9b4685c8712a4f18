from farm_event_tracking.plugin import EventBuffer, anonymize_ip, clean_properties, register

__all__ = ["EventBuffer", "anonymize_ip", "clean_properties", "register"]
__version__ = "2.0.0"
