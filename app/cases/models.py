"""Taxpayers, their cases, charges and phone numbers, and case imports."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Department, User
from app.db_types import UTCDateTime
from app.extensions import db


class CaseStatus(StrEnum):
    OPEN = "open"
    HOLD = "hold"
    CLOSED = "closed"


class PhoneKind(StrEnum):
    MOBILE = "mobile"
    FIXED = "fixed"
    OTHER = "other"


class ChargeStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # amount_due reached 0, or a full snapshot no longer listed it


class ImportMode(StrEnum):
    DELTA = "delta"  # the file lists what changed; charges absent from it stay as they are
    FULL = "full"  # a complete snapshot of the departments it names: absent open charges close


class ImportStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Taxpayer(db.Model):
    __tablename__ = "taxpayers"

    id: Mapped[int] = mapped_column(primary_key=True)
    taxpayer_ref: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_kana: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(400), default="")
    # Name and kana folded for search (NFKC, katakana, lower case): see cases.search.
    search_key: Mapped[str] = mapped_column(String(420), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    phones: Mapped[list["Phone"]] = relationship(
        back_populates="taxpayer", order_by="Phone.position"
    )


class Phone(db.Model):
    __tablename__ = "phones"
    __table_args__ = (UniqueConstraint("taxpayer_id", "e164"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    taxpayer_id: Mapped[int] = mapped_column(ForeignKey("taxpayers.id"))
    e164: Mapped[str] = mapped_column(String(20), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    position: Mapped[int] = mapped_column(default=1)
    # Consent and opt-outs are per department: see PhoneConsent (app.cases.consent).
    usable: Mapped[bool] = mapped_column(default=True)
    unusable_reason: Mapped[str | None] = mapped_column(String(32))
    # A reply said "wrong person": no SMS to this number for this taxpayer until a supervisor
    # restores it (calls still may be logged).
    wrong_person_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    taxpayer: Mapped[Taxpayer] = relationship(back_populates="phones")


class ConsentSource(StrEnum):
    IMPORT = "import"  # the department's case file said so
    CALL = "call"  # given on the phone to an operator
    FORM = "form"  # a paper or web form
    COUNTER = "counter"  # at the office counter


class PhoneConsent(db.Model):
    """What one department may do with one phone: the taxpayer's consent to SMS from it (with
    date, source and who recorded it) and whether the number opted out of its SMS. The row
    with department NULL is the city-wide opt-out (a STOP to an unknown sender, or a
    supervisor's city-wide record); its consent columns are unused."""

    __tablename__ = "phone_consents"
    __table_args__ = (
        UniqueConstraint("phone_id", "department_id"),
        Index("uq_phone_consents_city_wide", "phone_id", unique=True,
              postgresql_where=text("department_id IS NULL"), sqlite_where=text("department_id IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_id: Mapped[int] = mapped_column(ForeignKey("phones.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    consent: Mapped[bool] = mapped_column(default=False)
    consent_on: Mapped[date | None] = mapped_column(Date)
    consent_source: Mapped[str | None] = mapped_column(String(16))
    consent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    consent_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opted_out: Mapped[bool] = mapped_column(default=False)
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opt_out_source: Mapped[str | None] = mapped_column(String(16))
    opt_out_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # When a supervisor last lifted an opt-out the citizen withdrew: older STOP replies no
    # longer count for this scope.
    opt_out_lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    phone: Mapped[Phone] = relationship()


class Case(db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        # The claim queue (see cases.claims) walks these in queue order: broken promises, then
        # priority, then id. Never-worked cases and worked ones (a next-action time set) are
        # kept apart so the cases worked today, whose next action is still ahead, do not sit
        # at the head of the never-worked stream; in the worked stream next_action_at is a
        # key column, so `next_action_at <= now` is checked in the index, not on the table.
        Index(
            "ix_cases_queue_fresh",
            "department_id",
            text("promise_broken DESC"),
            text("priority DESC"),
            "id",
            postgresql_where=text("status = 'open' AND next_action_at IS NULL"),
            sqlite_where=text("status = 'open' AND next_action_at IS NULL"),
        ),
        Index(
            "ix_cases_queue_due",
            "department_id",
            text("promise_broken DESC"),
            text("priority DESC"),
            "id",
            "next_action_at",
            postgresql_where=text("status = 'open' AND next_action_at IS NOT NULL"),
            sqlite_where=text("status = 'open' AND next_action_at IS NOT NULL"),
        ),
        Index("ix_cases_claimed_by", "claimed_by_id"),
        # The callback stream: cases whose taxpayer asked to be called back, oldest request first.
        Index(
            "ix_cases_callback",
            "department_id",
            "callback_requested_at",
            postgresql_where=text("status = 'open' AND callback_requested_at IS NOT NULL"),
            sqlite_where=text("status = 'open' AND callback_requested_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_ref: Mapped[str] = mapped_column(String(64), unique=True)
    taxpayer_id: Mapped[int] = mapped_column(ForeignKey("taxpayers.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    status: Mapped[str] = mapped_column(String(16), default=CaseStatus.OPEN)
    # Why a case is on hold: "escalated" (a rule handed it to a supervisor), or a person's word.
    hold_reason: Mapped[str | None] = mapped_column(String(32))
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    oldest_due_date: Mapped[date | None] = mapped_column(Date)
    priority: Mapped[int] = mapped_column(default=0)
    promise_broken: Mapped[bool] = mapped_column(default=False)
    next_action_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When payments brought the balance to zero (the case closed then): the reports count these.
    paid_in_full_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the core system produced the extract that last set this case's charges (the
    # import's as_of), and its local date: payments dated on or after that date are not in the
    # extract yet (app.payments.balance). None: no extract time known, every payment counts.
    extract_as_of: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extract_on: Mapped[date | None] = mapped_column(Date)
    # The taxpayer asked to be called back (a reply): the claim queue offers the case first.
    callback_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Something for the operators to look at first, e.g. "wrong_person" (a reply said so).
    flag: Mapped[str | None] = mapped_column(String(32))
    # No payment reminder SMS before this (the taxpayer says they paid; payments arrive late).
    payment_reminders_paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    taxpayer: Mapped[Taxpayer] = relationship()
    department: Mapped[Department] = relationship()
    claimed_by: Mapped[User | None] = relationship()
    charges: Mapped[list["Charge"]] = relationship(
        back_populates="case",
        order_by="(Charge.fiscal_year, Charge.tax_type, Charge.period, Charge.notice_no)",
    )


class Charge(db.Model):
    """One charge (a notice of one tax type, fiscal year and period) owed on a case.

    Identity: (case, tax_type, fiscal_year, period, notice_no); period (期別) and notice_no
    (通知書番号) are "" when the core system does not send them. `amount_due` is the unpaid
    principal (本税) as of the case's extract; the other amounts are the core system's too."""

    __tablename__ = "charges"
    __table_args__ = (UniqueConstraint("case_id", "tax_type", "fiscal_year", "period", "notice_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    tax_type: Mapped[str] = mapped_column(String(64))
    fiscal_year: Mapped[int]
    period: Mapped[str] = mapped_column(String(16), default="", server_default="")
    notice_no: Mapped[str] = mapped_column(String(32), default="", server_default="")
    amount_due: Mapped[int] = mapped_column(BigInteger)
    due_date: Mapped[date] = mapped_column(Date)
    assessed: Mapped[int | None] = mapped_column(BigInteger)  # 調定額
    late_fee: Mapped[int | None] = mapped_column(BigInteger)  # 延滞金 as of the extract
    dunning_fee: Mapped[int | None] = mapped_column(BigInteger)  # 督促手数料
    dunning_notice_on: Mapped[date | None] = mapped_column(Date)  # 督促状発付日
    limitation_on: Mapped[date | None] = mapped_column(Date)  # 時効完成予定日
    status: Mapped[str] = mapped_column(String(8), default=ChargeStatus.OPEN, server_default="open")
    # The hash of the CSV row that last wrote this charge: the same row again is skipped
    # (app.cases.unchanged_rows).
    row_hash: Mapped[bytes | None] = mapped_column(LargeBinary)  # not indexed: see migration 0009

    case: Mapped[Case] = relationship(back_populates="charges")


class ImportJob(db.Model):
    """A case import: the uploaded file is kept here so the job survives a lost Redis."""

    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # A supervisor may only import rows of their own department; None means any.
    scope_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    filename: Mapped[str] = mapped_column(String(255), default="")
    # Deferred: loaded only when read (the import job), not each time a job row is refreshed
    # (the list of imports, progress, the job's own reloads after each commit).
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    status: Mapped[str] = mapped_column(String(16), default=ImportStatus.QUEUED)
    total: Mapped[int] = mapped_column(default=0)
    imported: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list] = mapped_column(JSON, default=list)
    # When the core system produced the file (None: the start of the import), delta or full,
    # and what the import changed (charges/cases new, changed, closed...; see cases.importing).
    as_of: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mode: Mapped[str] = mapped_column(String(8), default=ImportMode.DELTA, server_default="delta")
    summary: Mapped[dict | None] = mapped_column(JSON)
    message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The uploaded file was deleted (IMPORT_FILE_RETENTION_DAYS after the import finished).
    content_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
