"""Promises and payments on the case timeline (receivers of `signals.case_timeline`)."""

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.cases import timeline
from app.cases.models import Case
from app.extensions import db
from app.payments.services import payments_of
from app.promises.models import Promise


def promises_with_instalments(case: Case) -> list[Promise]:
    stmt = (select(Promise).where(Promise.case_id == case.id)
            .options(selectinload(Promise.instalments), selectinload(Promise.created_by))
            .order_by(Promise.created_at.desc(), Promise.id.desc()))
    return list(db.session.scalars(stmt))


def promise_entries(case: Case, **_) -> Iterable[timeline.TimelineEntry]:
    for promise in promises_with_instalments(case):
        who = promise.created_by
        yield timeline.TimelineEntry(
            kind="promise", at=promise.created_at, label=promise.status,
            actor=(who.display_name or who.login) if who else None, notes=promise.notes,
            details={"total": promise.total_amount, "collected": promise.collected,
                     "judged": promise.judged_at is not None},
            row=promise,
        )


def payment_entries(case: Case, **_) -> Iterable[timeline.TimelineEntry]:
    for payment in payments_of(case):
        yield timeline.TimelineEntry(
            kind="payment", at=payment.created_at, label="payment",
            details={"amount": payment.amount, "paid_on": payment.paid_on.isoformat(),
                     "payment_ref": payment.payment_ref, "source": payment.source},
            row=payment,
        )
