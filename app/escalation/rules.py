"""Evaluating escalation rules (a helper fills this in)."""


def evaluate_after_call(attempt, now) -> None:
    """Evaluate the case's department's active unanswered-call rules after `attempt`."""
