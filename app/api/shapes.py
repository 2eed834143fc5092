"""The case as the API shows it (`schemas.CaseDetail`), gathered from the domains that own its
parts: calls, SMS, promises, payments; each phone with its consent for the case's department."""

from app import clock
from app.api.schemas import Call, CaseDetail, Payment, Phone, Promise, Sms
from app.calls.timeline import calls_of
from app.calls.verification import verified_until
from app.cases.consent import consent_of
from app.cases.models import Case
from app.payments.services import payments_of
from app.promises.timeline import promises_with_instalments
from app.sms.timeline import messages_of


def phone_shape(phone, department_id: int) -> Phone:
    """A phone with its consent and opt-out for one department, and until when it is verified
    for personal SMS."""
    state = consent_of(phone, department_id)
    return Phone.model_validate({
        "id": phone.id, "e164": phone.e164, "kind": phone.kind, "consent": state["consent"],
        "consent_on": state["consent_on"], "consent_source": state["source"],
        "consent_recorded_by": state["recorded_by"], "consent_recorded_at": state["recorded_at"],
        "opted_out": state["opted_out"], "opted_out_city_wide": state["opted_out_city_wide"],
        "usable": phone.usable, "verified_until": verified_until(phone.id, clock.utcnow()),
    })


def case_detail(case: Case) -> CaseDetail:
    """The whole case: taxpayer, phones, charges, balance and its history (newest first)."""
    return CaseDetail.model_validate({
        "id": case.id, "case_ref": case.case_ref, "department": case.department.code,
        "status": case.status, "taxpayer": case.taxpayer,
        "phones": [phone_shape(p, case.department_id) for p in case.taxpayer.phones],
        "charges": case.charges, "balance": case.balance,
        "calls": [Call.model_validate(call) for call in calls_of(case)],
        "sms": [Sms.of(m) for m in messages_of(case)],
        "promises": [Promise.of(p) for p in promises_with_instalments(case)],
        "payments": [Payment.model_validate(p) for p in payments_of(case)],
    })
