"""Promises to pay: recorded on the case screen, reminded the day before, judged from payments."""

from app import signals


def init_app(app) -> None:
    """The promise form and its helpers, the CLI, and what promises change elsewhere: the
    outbox's send-time check, the rest after a call, the judgement after a payment, the
    cancellation when a case is settled, the timeline entries."""
    from app.promises import guards, timeline, views
    from app.promises.cli import promises_cli

    views.init_app(app)
    app.cli.add_command(promises_cli)
    signals.sms_send_check.connect(guards.promise_check)
    signals.call_logged.connect(guards.keep_resting)
    signals.payment_recorded.connect(guards.judge_after_payment)
    signals.case_settled.connect(guards.cancel_when_settled)
    signals.cases_settled.connect(guards.cancel_when_cases_settled)
    signals.case_timeline.connect(timeline.promise_entries)
    signals.case_timeline.connect(timeline.payment_entries)
