"""Calls: the queue of cases to call ("Next case", claims, attempt caps) and logging a call."""

from app import signals


def init_app(app) -> None:
    """The home page and "Next case", the call log route; the calls on the case timeline and
    the call forms on the case screen."""
    from app.calls import queue_views, timeline, views

    app.register_blueprint(queue_views.bp)
    app.register_blueprint(views.bp)
    signals.case_timeline.connect(timeline.call_entries)
    signals.case_screen_context.connect(views.case_screen_forms)
