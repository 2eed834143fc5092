"""GET /api/v1/cases/<id>/amount-due?on=YYYY-MM-DD: what the case owes if paid in full that day.

`{"on", "principal", "late_fee", "dunning_fee", "total", "charges": [{"tax_type", "fiscal_year",
"period", "principal", "late_fee", "dunning_fee", "days_low", "days_high"}]}`; `on` left out
means today (local). The same readers and department scoping as GET /api/v1/cases/<id> (another
department's case: 404). A bad `on` (not YYYY-MM-DD, outside 1900-2199, or empty): 400; a year
the days fall in with no 延滞金 rate (the published table + LATE_FEE_RATES): 422. See
app.late_fees.
"""

from flask import request

from app.api.cases import case_or_404
from app.api.errors import BadRequest, Unprocessable
from app.api.operations import Param, operation
from app.api.schemas import AmountDue
from app.auth.permissions import CASE_READERS
from app.late_fees.amount_due import BadDate, amount_due, as_dict, local_today, parse_on
from app.late_fees.rates import MissingRate


@operation("GET", "/cases/<int:case_id>/amount-due", operation_id="getAmountDue", tags=("cases",),
           roles=CASE_READERS,
           summary="What the case owes if paid in full on a day: principal, 延滞金, 督促手数料.",
           description="Per open charge (oldest first): the principal left after the payments the app "
                       "learned since the extract (oldest charge first), its 延滞金 to `on` (地方税法 "
                       "第20条の4の2; README, \"延滞金\") and its dunning fee. 422 when a year the days "
                       "fall in has no rate (set LATE_FEE_RATES).",
           params=(Param("on", "query", {"type": "string", "format": "date", "example": "2026-11-16"},
                         description="the payment day, 1900-01-01..2199-12-31; default today (local)"),),
           answers={200: AmountDue}, errors=(400, 404, 422))
def case_amount_due(case_id: int):
    found = case_or_404(case_id)
    raw = request.args.get("on")
    if raw is None:  # left out: today; present, even empty, it must be a date
        on = local_today()
    else:
        try:
            on = parse_on(raw)
        except BadDate as exc:
            raise BadRequest("invalid on", {"on": str(exc)}) from None
    try:
        due = amount_due(found, on)
    except MissingRate as exc:
        raise Unprocessable(str(exc), {"on": f"no late-fee rate for {exc.year} (LATE_FEE_RATES)"}) from None
    return AmountDue.model_validate(as_dict(due))
