"""The promise form on the case screen (POST /cases/<id>/promises) and its template helpers."""

from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, g, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import clock
from app.auth.access import roles_required
from app.auth.permissions import CASE_WRITERS
from app.cases.models import CaseStatus
from app.cases.search import visible_case
from app.extensions import db
from app.promises import accounting
from app.promises.forms import INSTALMENT_LABELS, STATUS_LABELS, PromiseForm
from app.promises.services import MAY_ALLOW_ABOVE_BALANCE, PromiseError, create_promise, pending_promise

bp = Blueprint("promises", __name__)

RECORDERS = CASE_WRITERS


def init_app(app) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals.update(promise_panel=promise_panel, promise_status_labels=STATUS_LABELS,
                                 instalment_status_labels=INSTALMENT_LABELS)


def promise_panel(case) -> dict:
    """What the case screen's promise card shows: the pending promise, and the form (the one
    just submitted, with its errors, when the screen is re-rendered after bad input)."""
    can_record = (current_user.is_authenticated and current_user.role in RECORDERS
                  and case.status != CaseStatus.CLOSED and case.balance > 0)
    form = g.get("promise_form")
    if form is None and can_record:
        form = PromiseForm(formdata=None)
    today = accounting.local_today(clock.utcnow())
    config = current_app.config
    return {
        "min_date": today.isoformat(),
        "max_date": (today + timedelta(days=config["PROMISE_HORIZON_DAYS"])).isoformat(),
        "max_rows": config["PROMISE_MAX_INSTALMENTS"],
        "pending": pending_promise(case.id),
        "form": form if can_record else None,
        "may_allow": current_user.is_authenticated and current_user.role in MAY_ALLOW_ABOVE_BALANCE,
        "error": g.get("promise_error"),
    }


def _rerender(case_id: int, form: PromiseForm, message: str):
    """The case screen again, with the submitted form, its errors and `message` (422)."""
    db.session.rollback()
    g.promise_form, g.promise_error = form, message
    return current_app.view_functions["cases.case_screen"](case_id), 422


@bp.post("/cases/<int:case_id>/promises")
@roles_required(*RECORDERS)
def record(case_id: int):
    case = visible_case(case_id, current_user)
    if case is None:
        abort(404)
    form = PromiseForm()  # the CSRF token is checked by CSRFProtect before this view runs
    valid = form.validate()
    pairs, rows = form.pairs()
    if not valid or any(form.instalments[i].amount.errors for i in rows):
        return _rerender(case_id, form, _("The promise could not be recorded: check the marked fields."))
    try:
        create_promise(case, pairs, current_user, clock.utcnow(),
                       allow_above_balance=bool(form.allow_above_balance.data), notes=form.notes.data or "")
    except PromiseError as exc:
        _errors_to_form(exc, form, rows)
        return _rerender(case_id, form, str(exc.message))
    db.session.commit()
    flash(_("Promise recorded."), "success")
    return redirect(url_for("cases.case_screen", case_id=case_id))


def _errors_to_form(exc: PromiseError, form: PromiseForm, rows: list[int]) -> None:
    """Put the service's field errors next to the fields they are about; the others (case,
    order, total, notes) go to the form's general list."""
    general = []
    for name, message in exc.fields.items():
        parts = name.split(".")
        if len(parts) == 3 and parts[0] == "instalments" and int(parts[1]) < len(rows):
            field = form.instalments[rows[int(parts[1])]][parts[2]]
            field.errors = [*field.errors, message]
        elif name == "notes":
            form.notes.errors = [*form.notes.errors, message]
        else:
            general.append(message)
    form.general_errors = general
