"""Escalation rules: what happens after unanswered calls and around promises."""

from app import signals


def _defaults_for_new_department(dept, now, actor=None, **_):
    from app.escalation.defaults import add_default_rules

    add_default_rules(dept, now, actor)


def _evaluate_after_call(attempt, now, **_):
    from app.escalation.rules import evaluate_after_call

    evaluate_after_call(attempt, now)


def _rules_sending(template, **_) -> list:
    from app.escalation.editing import rules_sending

    return rules_sending(template)


def init_app(app) -> None:
    """The rule and handed-over screens; the default rules of a new department; the rules
    evaluated in every logged call's transaction; the payment lag guard on their reminders."""
    from app.escalation import guards, views

    app.register_blueprint(views.bp)
    signals.department_created.connect(_defaults_for_new_department)
    signals.call_logged.connect(_evaluate_after_call)
    signals.template_users.connect(_rules_sending)
    signals.sms_send_check.connect(guards.payment_lag_check)
