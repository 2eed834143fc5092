"""SMS: per-department templates, the outbox (one row per message, one per provider part),
and replies received from citizens."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Department, User
from app.cases.models import Case, Phone
from app.db_types import UTCDateTime
from app.extensions import db


class SmsStatus(StrEnum):
    QUEUED = "queued"  # waiting for its send job
    SCHEDULED = "scheduled"  # outside SMS hours: waits for `scheduled_for`
    SENDING = "sending"  # a worker is handing it to the provider right now
    SENT = "sent"  # accepted by the provider
    DELIVERED = "delivered"
    FAILED = "failed"
    EXPIRED = "expired"
    REJECTED = "rejected"
    SUPPRESSED = "suppressed"  # not sent on purpose; `reason` says why
    UNKNOWN = "unknown"  # the provider's answer was lost; see `reason`


# A message in one of these has a job waiting or running (or lost: the sweep's business).
PENDING_STATUSES = frozenset({SmsStatus.QUEUED, SmsStatus.SCHEDULED, SmsStatus.SENDING})
FINAL_STATUSES = frozenset({SmsStatus.DELIVERED, SmsStatus.FAILED, SmsStatus.EXPIRED,
                            SmsStatus.REJECTED, SmsStatus.SUPPRESSED})


class SuppressReason(StrEnum):
    PAID = "paid"  # the case owes nothing any more
    CASE_CLOSED = "case_closed"
    CASE_ON_HOLD = "case_on_hold"
    NO_CONSENT = "no_consent"
    OPTED_OUT = "opted_out"
    PHONE_UNUSABLE = "phone_unusable"
    PROMISE_PENDING = "promise_pending"  # the promises issue: no reminder while a promise runs
    CANCELLED = "cancelled"  # by a supervisor
    RECIPIENT_CAP = "recipient_cap"  # SMS_MAX_PER_NUMBER_PER_DAY / _WEEK reached for the number
    # Issue 9: a payment within PAYMENT_LAG_DAYS (escalation.guards); issue 10: a reply saying
    # "paid" paused the case's payment reminders (Case.payment_reminders_paused_until, sms.checks).
    RECENT_PAYMENT = "recent_payment"
    WRONG_PERSON = "wrong_person"  # a reply said the number is not the taxpayer's
    # The rendered text (a name, reference or department name) brings a link or bank details.
    UNSAFE_TEXT = "unsafe_text"
    # A personal message to a phone no longer verified, and its rule has no generic fallback.
    NOT_VERIFIED = "not_verified"


class Disclosure(StrEnum):
    GENERIC = "generic"  # no name, amount or due date: safe on any phone
    PERSONAL = "personal"  # names the person or the debt: only to a verified phone


class SmsTemplate(db.Model):
    """A department's message text in Japanese and English, with {placeholders}."""

    __tablename__ = "sms_templates"
    __table_args__ = (UniqueConstraint("department_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    name: Mapped[str] = mapped_column(String(100))
    body_ja: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    department: Mapped[Department] = relationship()


class SmsMessage(db.Model):
    """One message to one number: a row first (with its idempotency key), a job after commit."""

    __tablename__ = "sms_messages"
    __table_args__ = (
        Index("ix_sms_messages_case", "case_id", "created_at"),
        # The sweep walks the unfinished messages only.
        Index("ix_sms_messages_pending", "status", "scheduled_for",
              postgresql_where=text("status IN ('queued', 'scheduled', 'sending')"),
              sqlite_where=text("status IN ('queued', 'scheduled', 'sending')")),
        # The contact caps count one number's messages per local day (app.sms.caps).
        Index("ix_sms_messages_cap", "to_e164", "cap_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    phone_id: Mapped[int | None] = mapped_column(ForeignKey("phones.id"))
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("escalation_rules.id"))
    template_id: Mapped[int | None] = mapped_column(ForeignKey("sms_templates.id"))
    # A personal message: the generic text sent instead if the phone is no longer verified
    # when the send job runs.
    fallback_template_id: Mapped[int | None] = mapped_column(ForeignKey("sms_templates.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Whatever made this message: "rule:<rule>:case:<case>:..." for a rule. Unique: one message.
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    # Sent to the provider as client-ref, and comes back in every delivery receipt.
    client_ref: Mapped[str] = mapped_column(String(40), unique=True)
    to_e164: Mapped[str] = mapped_column(String(20))
    sender: Mapped[str] = mapped_column(String(15))
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2), default="ja")
    disclosure: Mapped[str | None] = mapped_column(String(8))  # Disclosure; None before issue 10
    encoding: Mapped[str] = mapped_column(String(8))  # "gsm7" or "ucs2"
    segments: Mapped[int] = mapped_column(default=1)
    cost: Mapped[float] = mapped_column(default=0.0)  # estimated, SMS_COST_PER_SEGMENT x segments
    status: Mapped[str] = mapped_column(String(12), default=SmsStatus.QUEUED)
    reason: Mapped[str | None] = mapped_column(String(64))  # why suppressed / unknown
    provider: Mapped[str | None] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(16))
    error_text: Mapped[str | None] = mapped_column(String(400))
    # The id of the RQ job that will send it (a new one per attempt), for the sweep.
    job_id: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(default=0)  # provider calls, throttled ones included
    # Attempts that failed with a provider error or no connection (not a throttle): these, not
    # throttles, count against SMS_MAX_ATTEMPTS.
    errors: Mapped[int] = mapped_column(default=0, server_default="0")
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    parts_expected: Mapped[int | None] = mapped_column()  # message-count of the provider's answer
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The local day the message counts for under the contact caps, and whether it is exempt
    # from the daily cap (a promise-due reminder, an auto-acknowledgement): see app.sms.caps.
    cap_day: Mapped[date | None] = mapped_column(Date)
    daily_cap_exempt: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The text was blanked after SMS_TEXT_RETENTION_DAYS (app.sms.retention).
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    department: Mapped[Department] = relationship()
    case: Mapped[Case | None] = relationship()
    phone: Mapped[Phone | None] = relationship()
    template: Mapped[SmsTemplate | None] = relationship(foreign_keys=[template_id])
    fallback_template: Mapped[SmsTemplate | None] = relationship(foreign_keys=[fallback_template_id])
    created_by: Mapped[User | None] = relationship()
    parts: Mapped[list["SmsPart"]] = relationship(
        back_populates="message", order_by="SmsPart.id", cascade="all, delete-orphan"
    )


class SmsPart(db.Model):
    """One part of a (long) message as the provider accepted it, with its own receipt."""

    __tablename__ = "sms_parts"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("sms_messages.id"), index=True)
    provider_message_id: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(12), default=SmsStatus.SENT)
    error_code: Mapped[str | None] = mapped_column(String(16))
    price: Mapped[str | None] = mapped_column(String(32))
    network: Mapped[str | None] = mapped_column(String(16))
    receipt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    message: Mapped[SmsMessage] = relationship(back_populates="parts")


class ReplyState(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    DONE = "done"


class ReplyClass(StrEnum):
    SAYS_PAID = "says_paid"
    CALLBACK = "callback"
    WRONG_PERSON = "wrong_person"
    OTHER = "other"


class InboundSms(db.Model):
    """A reply from a citizen; an opt-out keyword opts the number out. Any other reply lands
    in the inbox of the department whose sender ID received it (app.inbox)."""

    __tablename__ = "inbound_sms"
    __table_args__ = (Index("ix_inbound_sms_inbox", "department_id", "state", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_message_id: Mapped[str] = mapped_column(String(64), unique=True)
    msisdn: Mapped[str] = mapped_column(String(20), index=True)  # E.164 with "+"
    to: Mapped[str] = mapped_column(String(20), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    keyword: Mapped[str] = mapped_column(String(32), default="")
    opt_out: Mapped[bool] = mapped_column(default=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The inbox (None: not routed to a department, or an opt-out): see app.inbox.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    classification: Mapped[str] = mapped_column(String(16), default=ReplyClass.OTHER,
                                                server_default=ReplyClass.OTHER.value)
    state: Mapped[str] = mapped_column(String(12), default=ReplyState.NEW,
                                       server_default=ReplyState.NEW.value)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # text blanked (retention)

    department: Mapped[Department | None] = relationship()
    handled_by: Mapped[User | None] = relationship()
