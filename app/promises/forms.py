"""The promise form on the case screen: one amount and date, or several rows (an instalment
plan; app/static/promise_form.js adds rows, the form works without it for one payment)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, FieldList, Form, FormField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from app.cases.csv_rows import parse_amount
from app.promises.models import PromiseStatus

MAX_ROWS = 24  # rows the form accepts at all; the service allows PROMISE_MAX_INSTALMENTS

STATUS_LABELS = {
    PromiseStatus.PENDING: _l("Promise pending"),
    PromiseStatus.KEPT: _l("Promise kept"),
    PromiseStatus.PARTIALLY_KEPT: _l("Promise partially kept"),
    PromiseStatus.BROKEN: _l("Promise broken"),
    PromiseStatus.CANCELLED: _l("Promise cancelled"),
}
INSTALMENT_LABELS = {
    PromiseStatus.PENDING: _l("pending"),
    PromiseStatus.KEPT: _l("kept"),
    PromiseStatus.PARTIALLY_KEPT: _l("partially kept"),
    PromiseStatus.BROKEN: _l("broken"),
    PromiseStatus.CANCELLED: _l("cancelled"),
}


class InstalmentForm(Form):
    """One row: an amount (12300, 12,300 and full-width digits are fine) and a date."""

    amount = StringField(_l("Amount (yen)"), validators=[Optional(), Length(max=24)])
    due_date = DateField(_l("Date"), validators=[Optional()])


class PromiseForm(FlaskForm):
    instalments = FieldList(FormField(InstalmentForm), min_entries=1, max_entries=MAX_ROWS)
    notes = TextAreaField(_l("Notes"), validators=[Length(max=4000)])
    allow_above_balance = BooleanField(_l("Allow a total above the balance (supervisors)"))

    def pairs(self) -> tuple[list[tuple[int, object]], list[int]]:
        """The filled rows as (amount, date) pairs, and the form row index of each; a row
        whose amount is not a number gets the error on the form (and None as its amount)."""
        pairs, rows = [], []
        for index, row in enumerate(self.instalments):
            raw = (row.amount.data or "").strip()
            raw_date = ((row.due_date.raw_data or [""])[0] or "").strip()
            if not raw and not raw_date:
                continue  # an empty row (a plan's unused last row)
            amount = None
            if raw:
                try:
                    amount = parse_amount(raw)
                except ValueError:
                    row.amount.errors = [*row.amount.errors, _l("Enter a whole number of yen, e.g. 12300.")]
            pairs.append((amount, row.due_date.data))
            rows.append(index)
        return pairs, rows
