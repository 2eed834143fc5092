"""The signals the domains talk through (blinker), declared in this one place.

A domain announces what happened; the domains above it listen. A lower layer never imports a
higher one (see the import-linter contract in pyproject.toml): `cases` does not know that SMS
exist, `payments` does not touch SMS rows, it sends `case_settled` and `sms` listens.

Receivers are connected by each package's `init_app(app)` (called from `create_app`), which is
idempotent: blinker keeps one connection per receiver however often an app is created, and
they run in the order they were first connected (an ordered set; blinker's default is not). Every
signal is sent inside the caller's transaction; a receiver flushes, never commits, and may
raise to abort the whole transaction. That order is `create_app`'s package list, bottom layer
first; no receiver may depend on another's effect unless the signal's description says so.

Signals whose receivers *answer* (`sms_send_check`, `case_timeline`, `case_screen_context`)
are sent with `send()`, and the caller reads the receivers' return values.
"""

from collections.abc import Iterable, Iterator, MutableSet

from blinker import NamedSignal


class _OrderedSet(MutableSet):
    """A set that iterates in insertion order, so receivers run in the order connected."""

    def __init__(self, items: Iterable = ()):
        self._items = dict.fromkeys(items)

    def __contains__(self, item) -> bool:
        return item in self._items

    def __iter__(self) -> Iterator:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def add(self, item) -> None:
        self._items[item] = None

    def discard(self, item) -> None:
        self._items.pop(item, None)

    def copy(self) -> "_OrderedSet":
        return _OrderedSet(self._items)


class _Signal(NamedSignal):
    set_class = _OrderedSet


class _Namespace(dict):
    def signal(self, name: str, doc: str | None = None) -> _Signal:
        return self.setdefault(name, _Signal(name, doc))


_signals = _Namespace()

department_created = _signals.signal("department-created", doc="""
A department was created and flushed.

sender: the `Department`; kwargs: `now` (aware datetime), `actor` (a `User` or None).
Used by `escalation` to give it its default templates and rules.
""")

call_logged = _signals.signal("call-logged", doc="""
A call attempt was logged and flushed (not a replay of a submission key).

sender: the `CallAttempt`; kwargs: `now`.
Used by `escalation` (evaluate the rules in the call's transaction) and `promises` (a case
with a pending promise keeps resting until the promise's deadline; connected after
`escalation`, so it has the last word on the next-action time).
""")

phone_marked = _signals.signal("phone-marked", doc="""
A phone's usability or opt-out changed.

sender: the `Phone`; kwargs: `reason` (a string: the call outcome, the SMS error, `opted_out`),
`now`, `actor` (or None).
""")

case_settled = _signals.signal("case-settled", doc="""
A case was paid in full (its balance reached zero) and closed.

sender: the `Case`; kwargs: `now`, `actor` (or None), `reason` (a `SuppressReason` word for
what waits on the case, `paid`).
Used by `sms` (waiting messages are suppressed) and `promises` (a pending promise not reached
by the payments is cancelled).
""")

cases_settled = _signals.signal("cases-settled", doc="""
An import closed cases because they owe nothing any more (their open charges all closed, or
their balance reached zero); `case_settled` for many cases at once, set-based.

sender: the string "cases.import"; kwargs: `case_ids` (list of case ids), `now`, `actor` (or
None), `reason` (`paid`).
Used by `sms` (waiting messages are suppressed) and `promises` (pending promises are cancelled).
""")

charges_imported = _signals.signal("charges-imported", doc="""
A case import wrote the charges of some cases (new, changed or closed charges, or an extract of
another day): their balances must follow the balance rule, which reads payments.

sender: the string "cases.import"; kwargs: `case_ids` (list of case ids whose balance to
recompute), `moved_ids` (case ids whose charges did not change but whose extract date moved:
only their payments can change their balance), `count_ids` (list of case ids whose payments to
count), `now`.
The one receiver (`payments.balance`) updates cases.balance and returns a dict
{"payments": n, "amount": yen, "changed": [ids]}: the payments of `count_ids` still applied on
top of their extract, and the cases of `case_ids` and `moved_ids` whose balance changed. The import refuses to
run without exactly one answer.
""")

payment_recorded = _signals.signal("payment-recorded", doc="""
A new payment was recorded and flushed (not a replay), after the case's balance changed.

sender: the `Payment`; kwargs: `case`, `now`, `actor` (or None).
Used by `promises` (a pending promise the money reached is judged kept at once).
""")

message_delivered = _signals.signal("message-delivered", doc="""
An SMS reached its final `delivered` status (all its parts delivered).

sender: the `SmsMessage`; kwargs: `now`.
""")

sms_send_check = _signals.signal("sms-send-check", doc="""
Asked when a message is created and again right before it is sent: may it go?

sender: the `SmsMessage`; kwargs: `case` (or None), `now`.
A receiver returns a `SuppressReason` to veto the message, or None. Used by `promises` (no
payment reminder while a promise is pending; no promise-due reminder for a paid or replaced
instalment), `escalation` (no payment reminder while the case had a payment within
PAYMENT_LAG_DAYS) and `sms` itself (the number was opted out).
""")

template_users = _signals.signal("template-users", doc="""
Who sends this SMS template? Asked by the template editor: a template an active rule sends
may not be deactivated, nor lose the language the rule sends, nor become personal when it is
a rule's generic fallback; the editor also shows what a personal template's rules send to a
phone that is not verified.

sender: the `SmsTemplate`. A receiver returns a list of objects with `id`, `name`,
`language`, `template_id`, `fallback_template_id` and `fallback_template` (`escalation`: its
active send_sms rules sending the template or falling back to it).
""")

case_timeline = _signals.signal("case-timeline", doc="""
Gathering the case's timeline.

sender: the `Case`. A receiver returns an iterable of `cases.timeline.TimelineEntry`.
Used by `calls`, `sms`, `promises`.
""")

case_screen_context = _signals.signal("case-screen-context", doc="""
Rendering the case screen for the current user.

sender: the `Case`; kwargs: `user`. A receiver returns a dict merged into the template's
context (its keys must not clash with another receiver's). Used by `calls` (the call forms) and
`late_fees` (`amount_due`: the "if paid today" card).
""")

reply_received = _signals.signal("reply-received", doc="""
A citizen's reply that is not an opt-out was stored and flushed (not a duplicate).

sender: the `InboundSms`; kwargs: `now`.
Used by `inbox`: it routes the reply to the department whose sender ID received it, classifies
it and applies what the class means to that department's cases.
""")


def answers(signal, sender, **kwargs) -> list:
    """The non-None return values of `signal`'s receivers, in connection order."""
    return [value for _receiver, value in signal.send(sender, **kwargs) if value is not None]


def first_answer(signal, sender, **kwargs):
    """The first non-None return value of `signal`'s receivers, in connection order, or None;
    the receivers after it are not asked (a veto needs no second opinion)."""
    for receiver in signal.receivers_for(sender):
        value = receiver(sender, **kwargs)
        if value is not None:
            return value
    return None
