"""(Filled in by the helper that owns this module.)"""


def init_app(app) -> None:
    """Register this module's blueprint."""
