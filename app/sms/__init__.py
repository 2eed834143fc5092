"""SMS: templates, the outbox, providers (Vonage, sandbox), send jobs, receipts and replies."""

from app import signals


def init_app(app) -> None:
    """The template editor, the sandbox phone, the webhooks and the hand opt-out; the outbox's
    own opt-out check, the suppression of what waits on a settled case, the timeline entries,
    and the status labels the templates use."""
    from app.sms import optout_views, outbox, receipts, sandbox_views, template_views, timeline, webhooks

    for module in (template_views, sandbox_views, webhooks, optout_views):
        module.init_app(app)
    signals.sms_send_check.connect(receipts.number_opted_out)
    signals.case_settled.connect(outbox.suppress_for_settled_case)
    signals.cases_settled.connect(outbox.suppress_for_settled_cases)
    signals.case_timeline.connect(timeline.sms_entries)
    signals.case_timeline.connect(timeline.reply_entries)
    app.jinja_env.globals.update(sms_status_labels=timeline.STATUS_LABELS,
                                 sms_reason_labels=timeline.REASON_LABELS,
                                 sms_status_class=timeline.status_class)
