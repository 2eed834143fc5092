"""Case pages: search and the case screen (what other domains add to it comes through
`signals.case_screen_context`)."""

from flask import abort, render_template, request
from flask_login import current_user, login_required

from app import clock, signals
from app.auth.permissions import CLAIMERS
from app.cases.blueprint import bp
from app.cases.consent import consent_of
from app.cases.labels import CONSENT_SOURCE_LABELS, UNUSABLE_REASON_LABELS
from app.cases.search import search_cases, visible_case
from app.cases.timeline import timeline


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
    context = {}
    for extra in signals.answers(signals.case_screen_context, case, user=current_user):
        context.update(extra)
    return render_template(
        "cases/case.html", case=case, entries=timeline(case), unusable_reasons=UNUSABLE_REASON_LABELS,
        phones={p.id: p for p in case.taxpayer.phones}, can_claim=current_user.role in CLAIMERS,
        now=clock.utcnow(), consent_sources=CONSENT_SOURCE_LABELS,
        consents={p.id: consent_of(p, case.department_id) for p in case.taxpayer.phones}, **context,
    )
