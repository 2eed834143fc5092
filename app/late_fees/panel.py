"""The case screen's card "if paid today: principal, 延滞金, total" with its date picker (a GET
form with `on`): `signals.case_screen_context` gives the screen `amount_due` (cases never
imports this), and cases/case.html includes late_fees/_case_amount_due.html."""

from flask import request
from flask_babel import gettext as _

from app.late_fees.amount_due import BadDate, amount_due, local_today, parse_on
from app.late_fees.rates import MissingRate


def case_screen_amount_due(case, user=None, **_) -> dict:
    """signals.case_screen_context: the card's content, as `amount_due`."""
    return {"amount_due": amount_due_panel(case)}


def amount_due_panel(case) -> dict:
    """What the card shows: the date (today unless `on` names another), the amounts per charge
    and in all, or why they cannot be computed (a bad date: today instead; a year with no rate)."""
    today = local_today()
    on, error = today, None
    raw = request.args.get("on", "").strip()
    if raw:
        try:
            on = parse_on(raw)
        except BadDate:
            error = _("The date is not valid (YYYY-MM-DD, 1900-2199): showing today.")
    try:
        due = amount_due(case, on)
    except MissingRate as exc:
        due = None
        error = _("No late-fee rate is known for %(year)s: set LATE_FEE_RATES (e.g. %(year)s=2.8/9.1).",
                  year=exc.year)
    return {"on": on, "today": today, "due": due, "error": error,
            "show_extract": due is not None and any(c.extract_late_fee is not None for c in due.charges)}
