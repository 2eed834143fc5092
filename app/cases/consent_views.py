"""The case screen's consent form: an operator records a phone's consent for the case's
department (yes/no and where it was given), audited and shown on the timeline."""

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import clock
from app.auth.access import roles_required
from app.auth.permissions import CASE_WRITERS
from app.cases.consent import HAND_SOURCES, ConsentError, set_consent
from app.cases.models import Phone
from app.cases.search import visible_case
from app.extensions import db

bp = Blueprint("consent", __name__)

RECORDERS = CASE_WRITERS


def init_app(app) -> None:
    if "consent" not in app.blueprints:
        app.register_blueprint(bp)


def case_phone_or_404(case_id: int, phone_id: int):
    """The visible case and one of its taxpayer's phones, or a 404."""
    case = visible_case(case_id, current_user)
    phone = db.session.get(Phone, phone_id) if case is not None else None
    if phone is None or phone.taxpayer_id != case.taxpayer_id:
        abort(404)
    return case, phone


@bp.post("/cases/<int:case_id>/phones/<int:phone_id>/consent")
@roles_required(*RECORDERS)
def record(case_id: int, phone_id: int):
    """Record consent yes/no for the case's department, with its source (call/form/counter)."""
    case, phone = case_phone_or_404(case_id, phone_id)
    back = redirect(url_for("cases.case_screen", case_id=case.id))
    answer, source = request.form.get("consent"), request.form.get("source", "")
    if answer not in ("yes", "no") or source not in HAND_SOURCES:
        flash(_("Choose yes or no and where the consent was given."), "error")
        return back
    try:
        changed = set_consent(phone, case.department_id, answer == "yes", source, current_user,
                              clock.utcnow())
    except ConsentError:
        db.session.rollback()
        flash(_("Choose yes or no and where the consent was given."), "error")
        return back
    db.session.commit()
    if not changed:
        flash(_("Nothing changed: the consent was already recorded so."), "info")
    elif answer == "yes":
        flash(_("Consent recorded for %(department)s.", department=case.department.name), "success")
    else:
        flash(_("No consent recorded for %(department)s: no SMS from it to this number.",
                department=case.department.name), "success")
    return back
