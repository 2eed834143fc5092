"""The KPI table as the screen, the CSV and the PDF show it: labels, values and footnotes.

Each KPI has a footnote that defines it (Japanese and English through Flask-Babel). Rows
that share a definition share one footnote number.
"""

from dataclasses import dataclass

from flask_babel import format_currency, format_decimal, format_percent
from flask_babel import lazy_gettext as _l

GENERAL_NOTES = (
    _l("The period is whole local days in the municipality's time zone: from 00:00 on the first "
       "day to 24:00 on the last."),
    _l("With an operator selected, calls and promises are that operator's; SMS, money and the "
       "reminder comparison stay those of the whole department (or of all departments)."),
)


@dataclass(frozen=True)
class Kpi:
    key: str  # dotted path into kpis.summary()
    label: object
    note: object = None  # a lazy string; or the key of the row whose note this row shares
    kind: str = "count"  # count | rate | yen | amount


_SHARE_NOTE = _l(
    "Share of the group's cases with a payment dated from day 0 through day 7 (day 14 for the "
    "14-day figure). For recent days the window is not over yet: payments so far are counted.")

SECTIONS = (
    (_l("Calls"), (
        Kpi("calls.attempts", _l("Call attempts"), _l(
            "Outbound calls logged in the period, whatever the outcome. Inbound calls are not "
            "attempts; they are counted on their own.")),
        Kpi("calls.inbound", _l("Inbound calls"), _l("Calls from taxpayers logged in the period.")),
        Kpi("calls.contacts", _l("Contacts"), _l(
            "Call attempts answered by the taxpayer or by a third party.")),
        Kpi("calls.contact_rate", _l("Contact rate"), _l("Contacts / call attempts."), "rate"),
        Kpi("calls.right_party_contacts", _l("Right-party contacts"), _l(
            "Call attempts answered by the taxpayer (outcome: answered).")),
        Kpi("calls.right_party_contact_rate", _l("Right-party contact rate"), _l(
            "Right-party contacts / call attempts."), "rate"),
        Kpi("sms.replaced_calls", _l("Unanswered calls replaced by SMS"), _l(
            "SMS created in the period by an \"unanswered calls\" escalation rule (each one sent "
            "instead of a further call), not counting suppressed ones.")),
    )),
    (_l("SMS"), (
        Kpi("sms.created", _l("SMS created"), _l(
            "Messages created in the period, by a rule or by hand. Every SMS figure below is "
            "about these messages, by their status when the report is made.")),
        Kpi("sms.sent", _l("SMS sent"), _l(
            "Messages the provider accepted (sent, delivered, or failed after acceptance).")),
        Kpi("sms.delivered", _l("SMS delivered"), _l(
            "Messages whose every part has a delivery receipt.")),
        Kpi("sms.failed", _l("SMS failed"), _l(
            "Messages refused by the provider, or reported failed, expired or rejected by the "
            "network.")),
        Kpi("sms.delivery_rate", _l("Delivery rate"), _l("SMS delivered / SMS sent."), "rate"),
        Kpi("sms.suppressed", _l("SMS suppressed"), _l(
            "Messages not sent on purpose, by reason (paid, opted out, no consent, ...).")),
        Kpi("sms.pending", _l("SMS waiting"), _l(
            "Messages queued, scheduled for the next allowed hour, or being sent.")),
        Kpi("sms.unknown", _l("SMS with unknown outcome"), _l(
            "The provider's answer was lost; such a message is never sent twice.")),
        Kpi("sms.segments", _l("SMS segments"), _l(
            "Segments of the messages sent (a long message is billed as several).")),
        Kpi("sms.cost", _l("SMS cost (yen, estimate)"), _l(
            "Segments sent x the cost per segment set when each message was made."), "amount"),
    )),
    (_l("Promises to pay"), (
        Kpi("promises.made", _l("Promises made"), _l(
            "Promises recorded in the period, whatever their status now.")),
        Kpi("promises.promise_rate", _l("Promise rate"), _l(
            "Promises made / right-party contacts."), "rate"),
        Kpi("promises.kept", _l("Promises kept"), _l(
            "Promises judged in the period as kept: payments from the promise's creation to its "
            "last date plus the grace days reached the tolerance of the promised amount.")),
        Kpi("promises.partially_kept", _l("Promises partially kept"), _l(
            "Promises judged in the period with something paid, but less than the tolerance.")),
        Kpi("promises.broken", _l("Promises broken"), _l(
            "Promises judged in the period with nothing paid.")),
        Kpi("promises.kept_rate", _l("Kept rate"), _l(
            "Promises kept / promises judged in the period (kept, partially kept, broken; "
            "cancelled promises are not judged)."), "rate"),
        Kpi("promises.amount_promised", _l("Amount promised"), _l(
            "Total of the promises made in the period."), "yen"),
        Kpi("promises.amount_collected", _l("Collected against promises"), _l(
            "What the promises judged in the period collected, as their judgement measured it."), "yen"),
    )),
    (_l("Money"), (
        Kpi("payments.collected", _l("Money collected"), _l(
            "All payments dated in the period, whether or not a call, SMS or promise came first."),
            "yen"),
        Kpi("payments.count", _l("Payments"), "payments.collected"),
        Kpi("payments.cases_paid_in_full", _l("Cases paid in full"), _l(
            "Cases whose balance reached zero in the period.")),
    )),
    (_l("Reminder SMS and payment"), (
        Kpi("reminder_effect.reminded.cases", _l("Cases reminded by SMS"), _l(
            "Cases with an SMS accepted by the provider in the period (promise-due reminders "
            "excluded). Day 0 is the local day of the first such SMS in the period.")),
        Kpi("reminder_effect.reminded.share_7d", _l("Reminded: paid within 7 days"), _SHARE_NOTE, "rate"),
        Kpi("reminder_effect.reminded.share_14d", _l("Reminded: paid within 14 days"),
            "reminder_effect.reminded.share_7d", "rate"),
        Kpi("reminder_effect.comparison.cases", _l("Comparison: cases called, not reminded"), _l(
            "Cases of the same department(s) with an outbound call in the period and no such SMS "
            "in it. Day 0 is the local day of their first call in the period. Not a controlled "
            "experiment: the cases that get an SMS are the ones that did not answer.")),
        Kpi("reminder_effect.comparison.share_7d", _l("Comparison: paid within 7 days"),
            "reminder_effect.reminded.share_7d", "rate"),
        Kpi("reminder_effect.comparison.share_14d", _l("Comparison: paid within 14 days"),
            "reminder_effect.reminded.share_7d", "rate"),
    )),
)

KPIS = {kpi.key: kpi for _section, kpis in SECTIONS for kpi in kpis}

SUPPRESS_REASON_LABELS = {
    "paid": _l("paid"), "case_closed": _l("case closed"), "case_on_hold": _l("case on hold"),
    "no_consent": _l("no consent"), "opted_out": _l("opted out"),
    "phone_unusable": _l("number unusable"), "promise_pending": _l("promise pending"),
    "cancelled": _l("cancelled"), "recent_payment": _l("recent payment"), "other": _l("other"),
}


@dataclass
class Row:
    section: str
    key: str
    label: str
    value: object
    kind: str
    note: int | None  # footnote number
    indent: bool = False


def lookup(summary: dict, key: str):
    value = summary
    for part in key.split("."):
        value = value[part]
    return value


def table(summary: dict) -> tuple[list[Row], list[tuple[int, str]]]:
    """The KPI rows (in the active language) and the numbered footnotes they refer to."""
    rows, notes, numbers = [], [], {}
    for section, kpis in SECTIONS:
        for kpi in kpis:
            owner = kpi.note if isinstance(kpi.note, str) else kpi.key
            if owner not in numbers:
                numbers[owner] = len(notes) + 1
                notes.append((numbers[owner], str(KPIS[owner].note)))
            rows.append(Row(str(section), kpi.key, str(kpi.label), lookup(summary, kpi.key), kpi.kind,
                            numbers[owner]))
            if kpi.key == "sms.suppressed":
                for reason, count in summary["sms"]["suppressed_by_reason"].items():
                    label = SUPPRESS_REASON_LABELS.get(reason, reason)
                    rows.append(Row(str(section), f"sms.suppressed_by_reason.{reason}", str(label), count,
                                    "count", None, indent=True))
    return rows, notes


def display(value, kind: str = "count") -> str:
    """A KPI value for people: thousands separators, percentages, yen; a dash for no value."""
    if value is None:
        return "—"
    if kind == "rate":
        return format_percent(value, "#,##0.0%")
    if kind == "yen":
        return format_currency(value, "JPY")
    if kind == "amount":
        return format_decimal(value, "#,##0.##")
    return format_decimal(value)
