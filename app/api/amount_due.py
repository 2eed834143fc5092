"""GET /api/v1/cases/<id>/amount-due?on=YYYY-MM-DD: what the case owes if paid in full that day.

`{"on", "principal", "late_fee", "dunning_fee", "total", "charges": [{"tax_type", "fiscal_year",
"period", "principal", "late_fee", "dunning_fee", "days_low", "days_high"}]}`; `on` left out means
today (local). The same readers and department scoping as GET /api/v1/cases/<id> (another
department's case: 404). A bad `on` (not YYYY-MM-DD, outside 1900-2199): 400; a year the days
fall in with no 延滞金 rate (the published table + LATE_FEE_RATES): 422. See app.late_fees.
"""

from flask import jsonify, request
from flask_login import current_user

from app.api.blueprint import bp
from app.api.cases import READERS, error
from app.auth.access import roles_required
from app.cases.search import visible_case
from app.late_fees.amount_due import BadDate, amount_due, as_dict, local_today, parse_on
from app.late_fees.rates import MissingRate


@bp.get("/cases/<int:case_id>/amount-due")
@roles_required(*READERS)
def case_amount_due(case_id: int):
    found = visible_case(case_id, current_user)
    if found is None:
        return error("case not found", 404)
    raw = request.args.get("on")
    if raw is None:  # left out: today; present, even empty, it must be a date
        on = local_today()
    else:
        try:
            on = parse_on(raw)
        except BadDate as exc:
            return error("invalid on", 400, {"on": str(exc)})
    try:
        due = amount_due(found, on)
    except MissingRate as exc:
        return error(str(exc), 422, {"on": f"no late-fee rate for {exc.year} (LATE_FEE_RATES)"})
    return jsonify(as_dict(due))
