"""Call logging from the case screen: one click per outcome, and the call forms the case
screen shows (a receiver of `signals.case_screen_context`)."""

import uuid

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import clock
from app.auth.access import roles_required
from app.auth.permissions import CALL_LOGGERS
from app.calls.forms import DIRECTION_LABELS, OUTCOME_LABELS, CallForm
from app.calls.models import CallOutcome
from app.calls.services import CallError, log_call
from app.calls.verification import verified_until
from app.cases.models import Phone
from app.cases.search import visible_case
from app.extensions import db

bp = Blueprint("calls", __name__)


def case_screen_forms(case, user, **_) -> dict:
    """One call form per usable phone (for those who log calls), and the outcome labels."""
    forms = {}
    if user.role in CALL_LOGGERS:
        for phone in case.taxpayer.phones:
            if phone.usable:
                # A fresh one-time key per rendered form: submitting it twice logs one call.
                forms[phone.id] = CallForm(formdata=None, phone_id=phone.id,
                                           submission_key=uuid.uuid4().hex)
    now = clock.utcnow()
    verified = {phone.id: verified_until(phone.id, now) for phone in case.taxpayer.phones}
    return {"forms": forms, "outcomes": OUTCOME_LABELS, "directions": DIRECTION_LABELS, "verified": verified}


@bp.post("/cases/<int:case_id>/calls")
@roles_required(*CALL_LOGGERS)
def log(case_id: int):
    case = visible_case(case_id, current_user)
    if case is None:
        abort(404)
    back = redirect(url_for("cases.case_screen", case_id=case.id))
    form = CallForm()
    if not form.validate_on_submit():
        flash(_("The call could not be logged: %(fields)s", fields=", ".join(form.errors)), "error")
        return back
    phone = db.session.get(Phone, form.phone_id.data)
    try:
        log_call(case, phone, form.outcome.data, form.direction.data, form.notes.data, current_user,
                 clock.utcnow(), submission_key=form.submission_key.data or None,
                 identity_verified=bool(form.identity_verified.data)
                 and form.outcome.data == CallOutcome.ANSWERED)
    except CallError as exc:
        db.session.rollback()
        flash(_("The call could not be logged: %(fields)s", fields=", ".join(exc.fields)), "error")
        return back
    db.session.commit()
    flash(_("Call logged."), "success")
    return back
