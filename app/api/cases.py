"""/api/v1/cases, /api/v1/queue: cases, search, call logging, the claim.

`GET /api/v1/cases?q=...` returns a JSON list (not wrapped in an object) of at most 50 cases.
"""

from flask import current_app, request
from flask_login import current_user

from app import clock
from app.api.errors import BadRequest, NotFound, Unprocessable
from app.api.operations import Param, operation
from app.api.schemas import Call, CallRequest, CaseDetail, CaseSummary, ConsentRequest
from app.api.schemas import Phone as PhoneShape
from app.api.shapes import case_detail, phone_shape
from app.auth.permissions import CALL_LOGGERS, CASE_READERS, CASE_WRITERS
from app.calls import claims
from app.calls.services import CallError, call_by_submission_key, log_call
from app.cases.consent import set_consent
from app.cases.models import ConsentSource, Phone
from app.cases.search import search_cases, visible_case
from app.extensions import db
from app.ids import is_id

OPERATOR_ROLES = "Operators, supervisors and admins (managers read only)."


def case_or_404(case_id: int):
    """The case if the caller may see it (another department's is a 404, like a missing one)."""
    found = visible_case(case_id, current_user)
    if found is None:
        raise NotFound("case not found")
    return found


@operation("GET", "/cases", operation_id="searchCases", tags=("cases",), roles=CASE_READERS,
           summary="Find cases by phone (any format), case or taxpayer reference, or name.",
           description="At most 50 results, visible to the caller (own department unless manager/admin).",
           params=(Param("q", "query", {"type": "string", "minLength": 1}, required=True,
                         description="phone, case_ref, taxpayer_ref, or part of the name (kanji/kana)"),),
           answers={200: list[CaseSummary]}, errors=(400,))
def search():
    q = request.args.get("q", "").strip()
    if not q:
        raise BadRequest("the q parameter is required", {"q": "required"})
    return [CaseSummary.model_validate(c) for c in search_cases(q, current_user)]


@operation("GET", "/cases/<int:case_id>", operation_id="getCase", tags=("cases",), roles=CASE_READERS,
           summary="The whole case.", answers={200: CaseDetail}, errors=(404,))
def case(case_id: int):
    return case_detail(case_or_404(case_id))


@operation("POST", "/cases/<int:case_id>/calls", operation_id="logCall", tags=("calls",),
           roles=CALL_LOGGERS, summary="Log a call on the case.",
           description=OPERATOR_ROLES + " The escalation rules run in the same transaction.",
           params=(Param("Idempotency-Key", "header", {"type": "string", "maxLength": 64},
                         description="a retried request with the same key logs one call (200 with it)"),),
           body=CallRequest, answers={201: Call, 200: Call}, errors=(400, 403, 404, 422))
def log(case_id: int, body: CallRequest):
    found = case_or_404(case_id)
    key = request.headers.get("Idempotency-Key", "").strip() or None
    if key is not None and len(key) > 64:
        raise BadRequest("Idempotency-Key is at most 64 characters", {"Idempotency-Key": "too long"})
    replay = call_by_submission_key(key)
    if replay is not None and replay.case_id == found.id:
        return Call.model_validate(replay), 200
    fields = {}
    if not is_id(body.phone_id):
        fields["phone_id"] = "required, an integer"
    if not isinstance(body.outcome, str):
        fields["outcome"] = "required"
    if not isinstance(body.direction, str):
        fields["direction"] = "outbound or inbound"
    if body.notes is not None and not isinstance(body.notes, str):
        fields["notes"] = "a string"
    if not isinstance(body.identity_verified, bool):
        fields["identity_verified"] = "true or false"
    if fields:
        raise Unprocessable("invalid call", fields)
    phone = db.session.get(Phone, body.phone_id)
    try:
        call = log_call(found, phone, body.outcome, body.direction, body.notes, current_user,
                        clock.utcnow(), submission_key=key, identity_verified=body.identity_verified)
    except CallError as exc:
        db.session.rollback()
        raise Unprocessable(str(exc), exc.fields) from None
    db.session.commit()
    return Call.model_validate(call), 201


@operation("POST", "/cases/<int:case_id>/phones/<int:phone_id>/consent", operation_id="recordConsent",
           tags=("cases",), roles=CASE_WRITERS,
           summary="Record a phone's consent to SMS from the case's department (audited).",
           description=OPERATOR_ROLES + " Another department's consent is not touched.",
           body=ConsentRequest, answers={200: PhoneShape}, errors=(400, 403, 404, 422))
def record_consent(case_id: int, phone_id: int, body: ConsentRequest):
    found = case_or_404(case_id)
    phone = db.session.get(Phone, phone_id)
    if phone is None or phone.taxpayer_id != found.taxpayer_id:
        raise NotFound("phone not found on this case")
    fields = {}
    if not isinstance(body.consent, bool):
        fields["consent"] = "required, true or false"
    if body.source not in set(ConsentSource):
        fields["source"] = "required, one of " + ", ".join(ConsentSource)
    if fields:
        raise Unprocessable("invalid consent", fields)
    set_consent(phone, found.department_id, body.consent, body.source, current_user, clock.utcnow())
    db.session.commit()
    return phone_shape(phone, found.department_id)


@operation("POST", "/queue/claim", operation_id="claimNext", tags=("queue",), roles=CALL_LOGGERS,
           summary="Claim the next workable case.",
           description=OPERATOR_ROLES + " The claim expires after CLAIM_MINUTES.",
           answers={200: CaseDetail, 204: None}, errors=(400, 403))
def claim():
    if current_user.department is None:
        return "", 204
    found = claims.claim_next(current_user, clock.utcnow(), current_app.config["CLAIM_MINUTES"])
    db.session.commit()
    if found is None:
        return "", 204
    return case_detail(found)
