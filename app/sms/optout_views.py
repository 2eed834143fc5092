"""An operator records, on the case screen, that a taxpayer asked for no more SMS."""

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import clock
from app.auth.access import roles_required
from app.auth.permissions import CASE_WRITERS
from app.cases.models import Phone
from app.cases.search import visible_case
from app.extensions import db
from app.sms.receipts import record_opt_out

bp = Blueprint("sms_optout", __name__)

RECORDERS = CASE_WRITERS


def init_app(app) -> None:
    if "sms_optout" not in app.blueprints:
        app.register_blueprint(bp)


@bp.post("/cases/<int:case_id>/phones/<int:phone_id>/opt-out")
@roles_required(*RECORDERS)
def record(case_id: int, phone_id: int):
    """Opt the phone's number out of SMS (audited) and suppress its waiting messages."""
    case = visible_case(case_id, current_user)
    phone = db.session.get(Phone, phone_id) if case is not None else None
    if phone is None or phone.taxpayer_id != case.taxpayer_id:
        abort(404)
    if phone.opted_out:
        flash(_("This number had already opted out of SMS."), "info")
    else:
        suppressed = record_opt_out(phone, current_user, clock.utcnow(), source="operator")
        db.session.commit()
        if suppressed:
            flash(_("Opt-out recorded; %(n)d waiting SMS will not be sent.", n=len(suppressed)), "success")
        else:
            flash(_("Opt-out recorded: this number gets no more SMS."), "success")
    return redirect(url_for("cases.case_screen", case_id=case.id))
