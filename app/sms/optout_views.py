"""On the case screen: an operator records that a taxpayer asked for no more SMS from the case's
department (a supervisor also city-wide: every department); a supervisor lifts an opt-out the
citizen withdrew, with a reason. Audited; waiting messages of that scope are suppressed."""

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import clock
from app.auth.access import roles_required
from app.auth.permissions import CASE_WRITERS, CONFIG_EDITORS
from app.cases import consent
from app.cases.consent_views import case_phone_or_404
from app.extensions import db
from app.sms.receipts import record_opt_out

bp = Blueprint("sms_optout", __name__)

RECORDERS = CASE_WRITERS
CITY_WIDE_ROLES = CONFIG_EDITORS  # supervisors and admins: may act for every department at once


def init_app(app) -> None:
    if "sms_optout" not in app.blueprints:
        app.register_blueprint(bp)


def _scope(case) -> int | None:
    """The department the form is about (None: city-wide), or a 403 for an operator asking
    for city-wide."""
    if request.form.get("scope") == "city":
        if current_user.role not in CITY_WIDE_ROLES:
            abort(403)
        return consent.CITY_WIDE
    return case.department_id


@bp.post("/cases/<int:case_id>/phones/<int:phone_id>/opt-out")
@roles_required(*RECORDERS)
def record(case_id: int, phone_id: int):
    """Opt the phone's number out of the department's SMS (or city-wide) and suppress its
    waiting messages of that scope."""
    case, phone = case_phone_or_404(case_id, phone_id)
    scope = _scope(case)
    row = consent.row_of(phone.id, scope)
    if row is not None and row.opted_out:
        flash(_("This number had already opted out of SMS."), "info")
    else:
        suppressed = record_opt_out(phone, current_user, clock.utcnow(), source="operator",
                                    department_id=scope)
        db.session.commit()
        if suppressed:
            flash(_("Opt-out recorded; %(n)d waiting SMS will not be sent.", n=len(suppressed)), "success")
        else:
            flash(_("Opt-out recorded: this number gets no more SMS."), "success")
    return redirect(url_for("cases.case_screen", case_id=case.id))


@bp.post("/cases/<int:case_id>/phones/<int:phone_id>/opt-out/lift")
@roles_required(*CITY_WIDE_ROLES)
def lift(case_id: int, phone_id: int):
    """Lift the number's opt-out for the case's department (or the city-wide one): the citizen
    withdrew it. A reason is required."""
    case, phone = case_phone_or_404(case_id, phone_id)
    scope = consent.CITY_WIDE if request.form.get("scope") == "city" else case.department_id
    try:
        changed = consent.lift_opt_out(phone, scope, current_user, clock.utcnow(),
                                       request.form.get("reason", ""))
    except consent.ConsentError:
        db.session.rollback()
        flash(_("Give the reason the opt-out is lifted (e.g. the citizen asked on the phone)."), "error")
        return redirect(url_for("cases.case_screen", case_id=case.id))
    db.session.commit()
    if changed:
        flash(_("Opt-out lifted."), "success")
    else:
        flash(_("This number had not opted out of SMS."), "info")
    return redirect(url_for("cases.case_screen", case_id=case.id))
