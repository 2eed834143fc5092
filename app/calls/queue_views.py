"""The operator's home page (the queue's count, the current claim) and "Next case"."""

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import clock
from app.auth.access import roles_required
from app.auth.permissions import CLAIMERS
from app.calls import claims
from app.extensions import db

bp = Blueprint("queue", __name__)

COUNT_CAP = 1000  # the home page shows "1000+" rather than counting every row


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
        return redirect(url_for("queue.home"))
    return redirect(url_for("cases.case_screen", case_id=case.id))
