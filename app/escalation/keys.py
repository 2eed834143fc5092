"""The idempotency key of a rule's firing (and of the SMS it queues), built and read here only.

`rule:<rule id>:case:<case id>:<occasion>`, where the occasion says what the rule fired for:
`from:<first call id>` (a streak of unanswered calls), `instalment:<id>` (a promise-due
reminder), `promise:<id>:...` (a broken promise). One key, one firing, one message.
"""

import re

_INSTALMENT = re.compile(r":instalment:(\d+)$")


def firing_key(rule_id: int, case_id: int, occasion: str) -> str:
    """The key of `rule_id`'s firing on `case_id` for `occasion`."""
    return f"rule:{rule_id}:case:{case_id}:{occasion}"


def streak_occasion(first_call_id: int) -> str:
    """The occasion of a streak of unanswered calls that began with `first_call_id`."""
    return f"from:{first_call_id}"


def instalment_occasion(instalment_id: int) -> str:
    """The occasion of an instalment's promise-due reminder."""
    return f"instalment:{instalment_id}"


def instalment_of(key: str | None) -> int | None:
    """The instalment id a promise-due reminder's key names, or None."""
    match = _INSTALMENT.search(key or "")
    return int(match.group(1)) if match else None
