"""A case as the API answers it: the search result, the whole case and its parts (calls, SMS,
promises, payments, phones, charges), the payment's answer, and what the case owes on a day."""

from datetime import date
from typing import Annotated

from pydantic import Field, field_validator

from app.api.schemas.base import Count, Id, Response, Timestamp, Yen
from app.calls.models import CallDirection, CallOutcome
from app.cases.models import CaseStatus, ChargeStatus, ConsentSource, PhoneKind
from app.payments.models import PaymentKind
from app.promises.models import PromiseStatus
from app.sms.models import Disclosure, SmsStatus


class CaseSummary(Response):
    """A search result."""

    id: Id
    case_ref: str
    taxpayer: str
    status: CaseStatus
    balance: int

    @field_validator("taxpayer", mode="before")
    @classmethod
    def _name(cls, value):
        return getattr(value, "name", value)


class Call(Response):
    """A logged call."""

    id: Id
    at: Timestamp
    outcome: CallOutcome
    direction: CallDirection
    phone_id: Id | None
    notes: str
    user: str | None
    over_cap: bool = Field(description="an outbound call beyond the attempt caps")
    identity_verified: bool = Field(description="answered with the identity confirmed (本人確認済み)")

    @field_validator("user", mode="before")
    @classmethod
    def _login(cls, value):
        return getattr(value, "login", value)


class SmsError(Response):
    code: str | None
    text: str | None
    reason: str | None


class Sms(Response):
    """An SMS of the case (the outbox row)."""

    id: Id
    status: SmsStatus
    to: str
    sender: str
    text: str
    provider_message_id: str | None
    provider_message_ids: list[str]
    error: SmsError | None
    reason: str | None
    phone_id: Id | None
    rule_id: Id | None
    language: str = Field(json_schema_extra={"enum": ["ja", "en"]})
    disclosure: Disclosure | None = Field(
        description="personal: names the person or the debt (sent only to a verified phone); "
                    "null for messages older than this was recorded")
    template_id: Id | None
    encoding: str = Field(json_schema_extra={"enum": ["gsm7", "ucs2"]})
    segments: Count
    provider: str | None
    created_at: Timestamp
    scheduled_for: Timestamp | None
    sent_at: Timestamp | None
    delivered_at: Timestamp | None

    @classmethod
    def of(cls, message) -> "Sms":
        ids = [part.provider_message_id for part in message.parts]
        failed = message.error_code or message.error_text or message.reason
        return cls.of_row(
            message, to=message.to_e164, provider_message_id=ids[0] if ids else None,
            provider_message_ids=ids,
            error={"code": message.error_code, "text": message.error_text,
                   "reason": message.reason} if failed else None)


class Instalment(Response):
    seq: Annotated[int, Field(ge=1)]
    amount: Yen
    due_date: date
    status: PromiseStatus


class Promise(Response):
    """A promise to pay (one instalment, or a plan)."""

    id: Id
    case_id: Id
    status: PromiseStatus
    total_amount: Yen
    collected: Yen
    first_due_date: date
    last_due_date: date
    created_at: Timestamp
    created_by: str | None
    judged_at: Timestamp | None
    above_balance_allowed: bool
    notes: str
    instalments: list[Instalment]

    @classmethod
    def of(cls, promise) -> "Promise":
        who = promise.created_by
        return cls.of_row(promise, created_by=who.login if who else None,
                          above_balance_allowed=promise.allowed_by_id is not None)


class Payment(Response):
    """A payment."""

    id: Id
    payment_ref: str
    case_id: Id
    amount: Yen
    paid_on: date
    source: str = Field(json_schema_extra={"enum": ["api", "csv"]})
    kind: PaymentKind = Field(description="a reversal's amount is the amount it restores")
    reverses: str | None = Field(description="a reversal: the payment_ref it undoes")
    created_at: Timestamp

    @field_validator("reverses", mode="before")
    @classmethod
    def _ref(cls, value):
        return getattr(value, "payment_ref", value)


class CaseAfterPayment(Response):
    id: Id
    case_ref: str
    balance: int
    status: CaseStatus


class PaymentResult(Payment):
    """The payment and its case after it."""

    case: CaseAfterPayment


class Taxpayer(Response):
    ref: str = Field(validation_alias="taxpayer_ref")
    name: str
    name_kana: str
    address: str


class Phone(Response):
    """A phone of the case's taxpayer, with its consent for the case's department."""

    id: Id
    e164: str = Field(pattern=r"^\+[1-9][0-9]{1,14}$")
    kind: PhoneKind
    consent: bool = Field(description="consent to SMS from the case's department")
    consent_on: date | None
    consent_source: ConsentSource | None
    consent_recorded_by: str | None
    consent_recorded_at: Timestamp | None
    opted_out: bool = Field(description="opted out of the case's department's SMS, or city-wide")
    opted_out_city_wide: bool
    usable: bool
    verified_until: Timestamp | None = Field(description="verified for personal SMS until then")


class Charge(Response):
    """A charge with the core system's fields; `amount_due` is the principal as of the extract."""

    tax_type: str
    fiscal_year: int
    period: str = Field(description="期別: 1-12 or a text such as 随時; empty when not sent")
    notice_no: str = Field(description="通知書番号; empty when not sent")
    amount_due: Yen
    due_date: date
    assessed: int | None = Field(description="調定額")
    late_fee: int | None = Field(description="延滞金 as the core system computed it at the extract")
    dunning_fee: int | None = Field(description="督促手数料")
    dunning_notice_on: date | None = Field(description="督促状発付日")
    limitation_on: date | None = Field(description="時効完成予定日")
    status: ChargeStatus


class CaseDetail(Response):
    """The whole case; its history newest first."""

    id: Id
    case_ref: str
    department: str
    status: CaseStatus
    taxpayer: Taxpayer
    phones: list[Phone]
    charges: list[Charge]
    balance: int
    calls: list[Call]
    sms: list[Sms]
    promises: list[Promise]
    payments: list[Payment]


NonNegativeYen = Annotated[int, Field(ge=0, description="whole yen")]


class AmountDueCharge(Response):
    """One open charge of GET /cases/<id>/amount-due (oldest first)."""

    tax_type: str
    fiscal_year: int
    period: str | None
    principal: NonNegativeYen = Field(description="unpaid on `on`, whole yen")
    late_fee: NonNegativeYen = Field(description="延滞金 to `on`: rounded down to 100 yen, 0 under 1,000")
    dunning_fee: NonNegativeYen
    days_low: Count = Field(description="late days at the lower rate (the first month)")
    days_high: Count = Field(description="late days at the higher rate")


class AmountDue(Response):
    """What a case owes if paid in full on `on` (README, "延滞金")."""

    on: date
    principal: NonNegativeYen
    late_fee: NonNegativeYen
    dunning_fee: NonNegativeYen
    total: NonNegativeYen = Field(description="principal + late_fee + dunning_fee, whole yen")
    charges: list[AmountDueCharge]
