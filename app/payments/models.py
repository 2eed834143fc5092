"""Payments received by the revenue system; `payment_ref` makes every delivery idempotent."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, case
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.cases.models import Case
from app.db_types import UTCDateTime
from app.extensions import db


class PaymentKind(StrEnum):
    CONFIRMED = "confirmed"  # 確報, a bank or direct-debit payment
    PROVISIONAL = "provisional"  # 速報, e.g. a convenience-store bulletin: confirmed later
    REVERSAL = "reversal"  # undoes the payment it names (口座振替の不能, 誤消込)


class Payment(db.Model):
    __tablename__ = "payments"
    __table_args__ = (
        Index("ix_payments_case_paid_on", "case_id", "paid_on"),
        Index("ix_payments_paid_on", "paid_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_ref: Mapped[str] = mapped_column(String(64), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    paid_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(8), default="api")  # "api" or "csv"
    kind: Mapped[str] = mapped_column(String(12), default=PaymentKind.CONFIRMED, server_default="confirmed")
    # A reversal's payment; unique: a payment is reversed at most once.
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship()
    reverses: Mapped["Payment | None"] = relationship(remote_side=[id])


def signed_amount():
    """The SQL amount of a payment as it counts towards what was paid: a reversal subtracts."""
    return case((Payment.kind == PaymentKind.REVERSAL, -Payment.amount), else_=Payment.amount)
