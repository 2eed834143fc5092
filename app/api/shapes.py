"""The case as the API shows it (`schemas.CaseDetail`), gathered from the domains that own its
parts: calls, SMS, promises, payments."""

from app.api.schemas import Call, CaseDetail, Payment, Promise, Sms
from app.calls.timeline import calls_of
from app.cases.models import Case
from app.payments.services import payments_of
from app.promises.timeline import promises_with_instalments
from app.sms.timeline import messages_of


def case_detail(case: Case) -> CaseDetail:
    """The whole case: taxpayer, phones, charges, balance and its history (newest first)."""
    return CaseDetail.model_validate({
        "id": case.id, "case_ref": case.case_ref, "department": case.department.code,
        "status": case.status, "taxpayer": case.taxpayer, "phones": case.taxpayer.phones,
        "charges": case.charges, "balance": case.balance,
        "calls": [Call.model_validate(call) for call in calls_of(case)],
        "sms": [Sms.of(m) for m in messages_of(case)],
        "promises": [Promise.of(p) for p in promises_with_instalments(case)],
        "payments": [Payment.model_validate(p) for p in payments_of(case)],
    })
