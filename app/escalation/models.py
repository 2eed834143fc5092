"""Escalation rules (per department) and the record of every time one fired."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Department
from app.cases.models import Case
from app.db_types import UTCDateTime
from app.extensions import db
from app.sms.models import SmsTemplate


class Trigger(StrEnum):
    UNANSWERED_CALLS = "unanswered_calls"  # N unanswered calls in a row within D days
    PROMISE_DUE = "promise_due"  # a promise falls due in D days (the promises issue)
    PROMISE_BROKEN = "promise_broken"  # a promise was judged broken (the promises issue)


class Action(StrEnum):
    SEND_SMS = "send_sms"  # template T to the case's best consented mobile
    RAISE_PRIORITY = "raise_priority"  # case.priority += priority_boost
    HAND_TO_SUPERVISOR = "hand_over"  # case on hold, reason "escalated" (was "hand_to_supervisor")


# Words an earlier release stored, still accepted where a rule is written (form, API).
ACTION_ALIASES = {"hand_to_supervisor": Action.HAND_TO_SUPERVISOR}


class PhoneScope(StrEnum):
    MOBILE = "mobile"  # only unanswered calls to a mobile count (Misato's rule)
    ANY = "any"


class EscalationRule(db.Model):
    __tablename__ = "escalation_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    trigger: Mapped[str] = mapped_column(String(24), default=Trigger.UNANSWERED_CALLS)
    count: Mapped[int] = mapped_column(default=2)  # N (unanswered_calls)
    window_days: Mapped[int] = mapped_column(default=14)  # D
    phone_scope: Mapped[str] = mapped_column(String(8), default=PhoneScope.MOBILE)
    action: Mapped[str] = mapped_column(String(24), default=Action.SEND_SMS)
    template_id: Mapped[int | None] = mapped_column(ForeignKey("sms_templates.id"))
    # The generic template sent instead of a personal `template` to a phone not verified.
    fallback_template_id: Mapped[int | None] = mapped_column(ForeignKey("sms_templates.id"))
    language: Mapped[str] = mapped_column(String(2), default="ja")  # which text of the template
    priority_boost: Mapped[int] = mapped_column(default=0)
    delay_minutes: Mapped[int] = mapped_column(default=0)  # wait this long before the action
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    department: Mapped[Department] = relationship()
    template: Mapped[SmsTemplate | None] = relationship(foreign_keys=[template_id])
    fallback_template: Mapped[SmsTemplate | None] = relationship(foreign_keys=[fallback_template_id])


class EscalationFiring(db.Model):
    """A rule fired on a case; the key makes it fire at most once per streak (or promise)."""

    __tablename__ = "escalation_firings"
    __table_args__ = (Index("ix_escalation_firings_case_rule", "case_id", "rule_id", "fired_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("escalation_rules.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    action: Mapped[str] = mapped_column(String(24))
    sms_message_id: Mapped[int | None] = mapped_column(ForeignKey("sms_messages.id"))
    # What happened: "queued", or why nothing was sent ("no_consented_mobile", ...).
    outcome: Mapped[str] = mapped_column(String(32), default="done")
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime)

    rule: Mapped[EscalationRule] = relationship()
    case: Mapped[Case] = relationship()
