"""Promises and payments as JSON-ready dicts (the API's contract)."""

from app.payments.models import Payment
from app.promises.models import Promise


def promise_dict(promise: Promise) -> dict:
    who = promise.created_by
    return {
        "id": promise.id,
        "case_id": promise.case_id,
        "status": promise.status,
        "total_amount": promise.total_amount,
        "collected": promise.collected,
        "first_due_date": promise.first_due_date.isoformat(),
        "last_due_date": promise.last_due_date.isoformat(),
        "created_at": promise.created_at.isoformat(),
        "created_by": who.login if who else None,
        "judged_at": promise.judged_at.isoformat() if promise.judged_at else None,
        "above_balance_allowed": promise.allowed_by_id is not None,
        "notes": promise.notes,
        "instalments": [
            {"seq": i.seq, "amount": i.amount, "due_date": i.due_date.isoformat(), "status": i.status}
            for i in promise.instalments
        ],
    }


def payment_dict(payment: Payment) -> dict:
    return {
        "id": payment.id,
        "payment_ref": payment.payment_ref,
        "case_id": payment.case_id,
        "amount": payment.amount,
        "paid_on": payment.paid_on.isoformat(),
        "source": payment.source,
        "created_at": payment.created_at.isoformat(),
    }
