"""Cases as JSON-ready dicts for the API (the shapes are the API's contract)."""

from app.calls.models import CallAttempt
from app.calls.timeline import calls_of
from app.cases.models import Case
from app.payments.services import payments_of
from app.promises.serializers import payment_dict, promise_dict
from app.promises.timeline import promises_with_instalments
from app.sms.serializers import sms_dict
from app.sms.timeline import messages_of


def case_summary(case: Case) -> dict:
    """A search result: id, case_ref, taxpayer name, status, balance."""
    return {
        "id": case.id,
        "case_ref": case.case_ref,
        "taxpayer": case.taxpayer.name,
        "status": case.status,
        "balance": case.balance,
    }


def call_dict(call: CallAttempt) -> dict:
    return {
        "id": call.id,
        "at": call.at.isoformat(),
        "outcome": call.outcome,
        "direction": call.direction,
        "phone_id": call.phone_id,
        "notes": call.notes,
        "user": call.user.login if call.user else None,
        "over_cap": call.over_cap,
    }


def case_detail(case: Case) -> dict:
    """The whole case: taxpayer, phones, charges, balance and its history (newest first)."""
    taxpayer = case.taxpayer
    return {
        "id": case.id,
        "case_ref": case.case_ref,
        "department": case.department.code,
        "status": case.status,
        "taxpayer": {
            "ref": taxpayer.taxpayer_ref,
            "name": taxpayer.name,
            "name_kana": taxpayer.name_kana,
            "address": taxpayer.address,
        },
        "phones": [
            {"id": p.id, "e164": p.e164, "kind": p.kind, "consent": p.consent,
             "opted_out": p.opted_out, "usable": p.usable}
            for p in taxpayer.phones
        ],
        "charges": [
            {"tax_type": c.tax_type, "fiscal_year": c.fiscal_year, "amount_due": c.amount_due,
             "due_date": c.due_date.isoformat()}
            for c in case.charges
        ],
        "balance": case.balance,
        "calls": [call_dict(call) for call in calls_of(case)],
        "sms": [sms_dict(m) for m in messages_of(case)],
        "promises": [promise_dict(p) for p in promises_with_instalments(case)],
        "payments": [payment_dict(p) for p in payments_of(case)],
    }
