"""The reply inbox: every citizen's reply that is not an opt-out, routed to the department
whose sender ID received it, classified by keywords, handled by its operators."""

from app import signals


def init_app(app) -> None:
    """The inbox pages and header count; route every reply (signals.reply_received) and clear a
    callback request once a call is logged (signals.call_logged)."""
    from app.inbox import services, views

    views.init_app(app)
    signals.reply_received.connect(services.route_reply)
    signals.call_logged.connect(services.clear_callback_after_call)
