"""Call logging from the case screen: one click per outcome."""

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import clock
from app.auth.access import roles_required
from app.auth.models import Role
from app.calls.forms import CallForm
from app.calls.services import CallError, log_call
from app.cases.models import Phone
from app.cases.search import visible_case
from app.extensions import db

bp = Blueprint("calls", __name__)


def init_app(app) -> None:
    app.register_blueprint(bp)


@bp.post("/cases/<int:case_id>/calls")
@roles_required(Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN)
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
                 clock.utcnow(), submission_key=form.submission_key.data or None)
    except CallError as exc:
        db.session.rollback()
        flash(_("The call could not be logged: %(fields)s", fields=", ".join(exc.fields)), "error")
        return back
    db.session.commit()
    flash(_("Call logged."), "success")
    return back
