from farm_chat_widget.plugin import TokenBucket, register, trim_history

__all__ = ["TokenBucket", "register", "trim_history"]
