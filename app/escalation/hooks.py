"""Plugs the escalation workflow into the rest of the app (idempotent: create_app may run often)."""

from app.auth.departments import AFTER_DEPARTMENT_CREATED
from app.calls.services import AFTER_CALL_LOGGED
from app.escalation.defaults import add_default_rules


def after_call_logged(attempt, now):
    from app.escalation.rules import evaluate_after_call

    evaluate_after_call(attempt, now)


def init_app(app) -> None:
    if add_default_rules not in AFTER_DEPARTMENT_CREATED:
        AFTER_DEPARTMENT_CREATED.append(add_default_rules)
    if after_call_logged not in AFTER_CALL_LOGGED:
        AFTER_CALL_LOGGED.append(after_call_logged)
