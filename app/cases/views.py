"""Case pages: the operator's home (next case, search), the case screen, imports."""

import uuid

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import clock
from app.auth.access import roles_required
from app.auth.models import Role
from app.calls.forms import DIRECTION_LABELS, OUTCOME_LABELS, CallForm
from app.cases import claims
from app.cases.labels import UNUSABLE_REASON_LABELS
from app.cases.phones import display as phone_display
from app.cases.search import search_cases, visible_case
from app.cases.timeline import timeline
from app.extensions import db

bp = Blueprint("cases", __name__)

CLAIMERS = (Role.OPERATOR, Role.SUPERVISOR)
CALL_LOGGERS = (Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN)
COUNT_CAP = 1000  # the home page shows "1000+" rather than counting every row


def init_app(app) -> None:
    app.register_blueprint(bp)
    app.jinja_env.filters.setdefault("phone", phone_display)


@bp.get("/")
@login_required
def home():
    now = clock.utcnow()
    can_claim = current_user.role in CLAIMERS and current_user.department is not None
    count = claimed = None
    if can_claim:
        count = claims.workable_count(current_user.department, now, cap=COUNT_CAP)
        claimed = claims.current_claim(current_user, now)
    return render_template("cases/home.html", can_claim=can_claim, count=count, count_cap=COUNT_CAP,
                           claimed=claimed)


@bp.post("/queue/next")
@roles_required(*CLAIMERS)
def next_case():
    now = clock.utcnow()
    case = claims.claim_next(current_user, now, current_app.config["CLAIM_MINUTES"])
    db.session.commit()  # a previous claim was released even when nothing new was claimed
    if case is None:
        flash(_(claims.why_nothing(current_user.department, now)), "error")
        return redirect(url_for("cases.home"))
    return redirect(url_for("cases.case_screen", case_id=case.id))


@bp.get("/search")
@login_required
def search():
    q = request.args.get("q", "").strip()
    results = search_cases(q, current_user) if q else []
    return render_template("cases/search.html", q=q, results=results)


@bp.get("/cases/<int:case_id>")
@login_required
def case_screen(case_id: int):
    case = visible_case(case_id, current_user)
    if case is None:
        abort(404)
    forms = {}
    if current_user.role in CALL_LOGGERS:
        for phone in case.taxpayer.phones:
            if phone.usable:
                # A fresh one-time key per rendered form: submitting it twice logs one call.
                forms[phone.id] = CallForm(formdata=None, phone_id=phone.id,
                                           submission_key=uuid.uuid4().hex)
    return render_template(
        "cases/case.html", case=case, entries=timeline(case), forms=forms, outcomes=OUTCOME_LABELS,
        unusable_reasons=UNUSABLE_REASON_LABELS,
        directions=DIRECTION_LABELS,
        phones={p.id: p for p in case.taxpayer.phones}, can_claim=current_user.role in CLAIMERS,
        now=clock.utcnow(),
    )


from app.cases import import_views  # noqa: E402,F401
