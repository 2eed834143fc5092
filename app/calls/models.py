"""Call attempts and their outcomes."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.cases.models import Case, Phone
from app.db_types import UTCDateTime
from app.extensions import db


class CallOutcome(StrEnum):
    ANSWERED = "answered"
    THIRD_PARTY = "third_party"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    VOICEMAIL = "voicemail"
    WRONG_NUMBER = "wrong_number"
    INVALID_NUMBER = "invalid_number"


UNANSWERED = frozenset({CallOutcome.NO_ANSWER, CallOutcome.BUSY, CallOutcome.VOICEMAIL})
MARKS_PHONE_UNUSABLE = frozenset({CallOutcome.WRONG_NUMBER, CallOutcome.INVALID_NUMBER})


class CallDirection(StrEnum):
    OUTBOUND = "outbound"
    INBOUND = "inbound"


class CallAttempt(db.Model):
    __tablename__ = "call_attempts"
    __table_args__ = (
        Index("ix_call_attempts_case_at", "case_id", "at"),
        Index("ix_call_attempts_verified", "phone_id", "at",
              postgresql_where=text("identity_verified AND outcome = 'answered'"),
              sqlite_where=text("identity_verified AND outcome = 'answered'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    phone_id: Mapped[int | None] = mapped_column(ForeignKey("phones.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    direction: Mapped[str] = mapped_column(String(8), default=CallDirection.OUTBOUND)
    outcome: Mapped[str] = mapped_column(String(16))
    notes: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # An outbound call logged although the case was over its attempt caps.
    over_cap: Mapped[bool] = mapped_column(default=False)
    # An answered call in which the operator confirmed the person's identity (本人確認済み):
    # it verifies the phone for personal SMS for VERIFIED_PHONE_DAYS (app.calls.verification).
    identity_verified: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # The form's one-time key: a double-submitted form logs one call.
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    case: Mapped[Case] = relationship()
    phone: Mapped[Phone | None] = relationship()
    user: Mapped[User | None] = relationship()
