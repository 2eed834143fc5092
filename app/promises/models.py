"""Promises to pay: one amount and date, or an instalment plan (several amounts and dates)."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.cases.models import Case
from app.db_types import UTCDateTime
from app.extensions import db


class PromiseStatus(StrEnum):
    PENDING = "pending"  # not judged yet (its last date + grace has not passed)
    KEPT = "kept"
    PARTIALLY_KEPT = "partially_kept"
    BROKEN = "broken"
    CANCELLED = "cancelled"  # replaced by a new promise, or the case was paid/closed


class Promise(db.Model):
    __tablename__ = "promises"
    __table_args__ = (
        Index("ix_promises_case", "case_id", "created_at"),
        # The daily judge and the reminder walk the pending promises only.
        Index("ix_promises_pending_due", "last_due_date",
              postgresql_where=text("status = 'pending'"), sqlite_where=text("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # A supervisor who allowed a total above the balance.
    allowed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    total_amount: Mapped[int] = mapped_column(BigInteger)
    first_due_date: Mapped[date] = mapped_column(Date)
    last_due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=PromiseStatus.PENDING)
    # Paid against the promise when it was judged (payments from creation to last date + grace).
    collected: Mapped[int] = mapped_column(BigInteger, default=0)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    judged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    instalments: Mapped[list["PromiseInstalment"]] = relationship(
        back_populates="promise", order_by="PromiseInstalment.seq", cascade="all, delete-orphan"
    )


class PromiseInstalment(db.Model):
    """One amount and date of a promise (a single promise has one)."""

    __tablename__ = "promise_instalments"
    __table_args__ = (
        UniqueConstraint("promise_id", "seq"),
        Index("ix_promise_instalments_due", "due_date", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    promise_id: Mapped[int] = mapped_column(ForeignKey("promises.id"))
    seq: Mapped[int] = mapped_column(default=1)
    amount: Mapped[int] = mapped_column(BigInteger)
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=PromiseStatus.PENDING)
    judged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    promise: Mapped[Promise] = relationship(back_populates="instalments")
