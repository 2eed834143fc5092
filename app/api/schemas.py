"""Every shape of the JSON API, once, as pydantic models.

A response model is built from the ORM row (`from_attributes`) and dumped as the answer; a
request model validates the body's structure before the route calls its service; and
`openapi.py` writes the OpenAPI document from these same models. A response model forbids
extra keys and lists every key as required, so a changed shape changes the document too, and
tests/api/test_openapi_fuzz.py checks the answers against it.

Why pydantic (not apiflask or flask-smorest + marshmallow): the routes stay plain Flask views
on the existing blueprint (no second app object, no change to sessions, CSRF or error pages),
the models are typed Python that the domain's StrEnums plug into, and one model gives both the
validation and the JSON Schema. Values whose rules belong to the domain (an amount, a date, an
outcome: the same rules as the pages' forms) are typed for the document but checked by the
service, which names the field and the reason; the model checks what the body is made of.
"""

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema, field_validator

from app.calls.models import CallDirection, CallOutcome
from app.cases.models import CaseStatus, ChargeStatus, ConsentSource, ImportMode, ImportStatus, PhoneKind
from app.ids import MAX_ID
from app.payments.models import PaymentKind
from app.promises.models import PromiseStatus
from app.sms.models import Disclosure, ReplyClass, ReplyState, SmsStatus

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Count = Annotated[int, Field(ge=0)]
Yen = Annotated[int, Field(description="whole yen")]
# ISO 8601 as Python writes it (2026-11-16T01:00:00+00:00), the API's format since the start.
Timestamp = Annotated[datetime, PlainSerializer(lambda v: v.isoformat(), return_type=str),
                      WithJsonSchema({"type": "string", "format": "date-time"})]
Rate = Annotated[float | None, Field(ge=0, description="a share (4 places); null for 0/0")]


def _domain_checked(schema: dict) -> Any:
    """A request value documented as `schema` and checked by the service (its reason, its field
    name), so any JSON value passes the model."""
    return Annotated[Any, WithJsonSchema(schema)]


class Response(BaseModel):
    """A response shape: read from attributes, every key required, no other key allowed."""

    model_config = ConfigDict(from_attributes=True, extra="forbid")


class Request(BaseModel):
    """A request body's structure; unknown keys are ignored (a newer client may send more)."""

    model_config = ConfigDict(extra="ignore")


class Error(Response):
    """Every 4xx answer of the API."""

    error: str = Field(min_length=1, description="what is wrong, in English")
    fields: dict[str, str | list[str]] = Field(
        description="the fields at fault and why (reports: a list per field); {} when none")


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
        return cls.model_validate({
            **{name: getattr(message, name) for name in cls.model_fields
               if name not in ("to", "provider_message_id", "provider_message_ids", "error")},
            "to": message.to_e164, "provider_message_id": ids[0] if ids else None,
            "provider_message_ids": ids,
            "error": {"code": message.error_code, "text": message.error_text,
                      "reason": message.reason} if failed else None,
        })


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
        return cls.model_validate({
            **{name: getattr(promise, name) for name in cls.model_fields
               if name not in ("created_by", "above_balance_allowed")},
            "created_by": who.login if who else None,
            "above_balance_allowed": promise.allowed_by_id is not None,
        })


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


class RowError(Response):
    line: Count
    column: str
    message: str


class ChargeCounts(Response):
    new: Count
    changed: Count
    closed: Count
    closed_absent: Count = Field(description="closed because a full snapshot no longer lists them")
    settled_unknown: Count = Field(description="rows of 0 for charges the app never had")


class CaseCounts(Response):
    opened: Count
    reopened: Count
    closed: Count


class PaymentsApplied(Response):
    count: Count
    amount: int = Field(description="net yen (reversals subtract)")


class ImportSummary(Response):
    charges: ChargeCounts
    cases: CaseCounts
    payments_applied: PaymentsApplied = Field(
        description="the app's payments still counted on top of the extract")


class Import(Response):
    """A case import and its progress; `errors` are the refused rows."""

    id: Id
    status: ImportStatus
    filename: str
    total: Count
    imported: Count
    errors: list[RowError]
    message: str | None
    as_of: Timestamp | None = Field(description="when the core system produced the file")
    mode: ImportMode
    summary: ImportSummary | None = Field(description="what the import changed (null until it is done)")

    @field_validator("errors", mode="before")
    @classmethod
    def _none_is_empty(cls, value):
        return value or []


# --- the report (app.reports.kpis.summary) ---

class ReportPeriod(Response):
    from_: date = Field(alias="from")
    to: date
    timezone: str


class ReportDepartment(Response):
    id: Id
    code: str
    name: str


class ReportOperator(Response):
    id: Id
    login: str
    name: str


class CallFigures(Response):
    attempts: Count
    inbound: Count
    contacts: Count
    contact_rate: Rate
    right_party_contacts: Count
    right_party_contact_rate: Rate


class SmsFigures(Response):
    created: Count
    sent: Count
    delivered: Count
    failed: Count
    pending: Count
    unknown: Count
    suppressed: Count
    suppressed_by_reason: dict[str, Count]
    delivery_rate: Rate
    segments: Count
    cost: Annotated[float, Field(ge=0)]
    replaced_calls: Count


class PromiseOutcomes(Response):
    kept: Count
    partially_kept: Count
    broken: Count


class PromiseFigures(PromiseOutcomes):
    made: Count
    judged: Count
    kept_rate: Rate
    amount_promised: int
    amount_collected: int
    promise_rate: Rate


class PaymentFigures(Response):
    collected: int
    count: Count
    cases_paid_in_full: Count


class ReminderGroup(Response):
    cases: Count
    paid_7d: Count
    share_7d: Rate
    paid_14d: Count
    share_14d: Rate


class ReminderEffect(Response):
    reminded: ReminderGroup
    comparison: ReminderGroup


class OperatorFigures(Response):
    id: Id | None
    login: str | None
    name: str | None
    attempts: Count
    contacts: Count
    right_party_contacts: Count
    promises: Count
    judged: Count
    kept: Count
    kept_rate: Rate


class DayFigures(Response):
    date: date
    attempts: Count
    contacts: Count
    sms_delivered: Count
    payments: int


class Report(Response):
    """The report's figures for local days from..to; definitions in the report's footnotes."""

    period: ReportPeriod
    department: ReportDepartment | None
    operator: ReportOperator | None
    calls: CallFigures
    sms: SmsFigures
    promises: PromiseFigures
    payments: PaymentFigures
    reminder_effect: ReminderEffect
    operators: list[OperatorFigures]
    daily: list[DayFigures]
    promise_outcomes: PromiseOutcomes


# --- request bodies ---

AMOUNT = {"type": "integer", "minimum": 1, "maximum": 10**15 - 1, "description": "whole yen"}
DATE = {"type": "string", "format": "date", "description": "YYYY-MM-DD, 1900-01-01..2199-12-31"}


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


class CallRequest(Request):
    """A call to log."""

    phone_id: _domain_checked({"type": "integer", "minimum": 1, "maximum": MAX_ID,
                               "description": "a phone of the case's taxpayer"})
    outcome: _domain_checked({"type": "string", "enum": [str(o) for o in CallOutcome]})
    direction: _domain_checked({"type": "string", "enum": [*map(str, CallDirection), ""],
                                "description": "empty or left out: outbound"}) = "outbound"
    notes: _domain_checked({"type": "string", "nullable": True}) = ""
    identity_verified: _domain_checked({"type": "boolean", "default": False,
                                        "description": "本人確認済み: only with outcome answered"}) = False


class ConsentRequest(Request):
    """A phone's consent to SMS from the case's department."""

    consent: _domain_checked({"type": "boolean"})
    source: _domain_checked({"type": "string", "enum": [str(s) for s in ConsentSource]})


class InstalmentRequest(Request):
    amount: _domain_checked(AMOUNT)
    due_date: _domain_checked(DATE)


_PROMISE_OPTIONS = {
    "notes": {"type": "string", "nullable": True, "maxLength": 4000},
    "allow_above_balance": {"type": "boolean", "default": False,
                            "description": "a total above the balance (supervisors and admins)"},
}


class PromiseRequest(Request):
    """One payment, or an instalment plan (not both)."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={
        "oneOf": [
            {"required": ["amount", "due_date"], "not": {"required": ["instalments"]}},
            {"required": ["instalments"],
             "not": {"anyOf": [{"required": ["amount"]}, {"required": ["due_date"]}]}},
        ]})

    amount: _domain_checked(AMOUNT) = None
    due_date: _domain_checked(DATE) = None
    instalments: _domain_checked({"type": "array", "minItems": 1,
                                  "items": {"$ref": "#/components/schemas/InstalmentRequest"}}) = None
    notes: _domain_checked(_PROMISE_OPTIONS["notes"]) = ""
    allow_above_balance: _domain_checked(_PROMISE_OPTIONS["allow_above_balance"]) = False


class PaymentRequest(Request):
    """A payment from the revenue system."""

    payment_ref: _domain_checked({"type": "string", "minLength": 1, "maxLength": 64,
                                  "description": "the revenue system's id of the payment (idempotency key)"})
    case_ref: _domain_checked({"type": "string", "minLength": 1, "maxLength": 64})
    amount: _domain_checked({**AMOUNT, "description": "whole yen, at most the balance + 10,000,000; "
                                                      "a reversal may leave it out"}) = None
    paid_on: _domain_checked({**DATE, "description": "1900-01-01..2199-12-31, not in the future"})
    kind: _domain_checked({"type": "string", "enum": [str(k) for k in PaymentKind],
                           "default": "confirmed"}) = None
    reverses: _domain_checked({"type": "string", "nullable": True, "maxLength": 64, "description":
                               "a reversal: the payment_ref it undoes (same case, not reversed yet)"}) = None


class ImportRequest(Request):
    """A case CSV upload (multipart/form-data)."""

    file: _domain_checked({"type": "string", "format": "binary",
                           "description": "the case CSV (UTF-8 or CP932; see the README)"})
    as_of: _domain_checked({"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$",
                            "description": "when the core system produced the file, local time "
                                           "YYYY-MM-DDTHH:MM (default: the start of the import)"}) = None
    mode: _domain_checked({"type": "string", "enum": [str(m) for m in ImportMode], "default": "delta",
                           "description": "full: open charges of the file's departments it does not "
                                          "list close"}) = None


def iso_date(value) -> date | Any:
    """`value` as a date when it is a YYYY-MM-DD string within 1900..2199, else `value` as it
    came (the service then names the field and says why)."""
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            parsed = date.fromisoformat(value.strip())
        except ValueError:
            return value
        if 1900 <= parsed.year <= 2199:
            return parsed
    return value


# --- the reply inbox (issue 10) ------------------------------------------------------------

class ReplyCase(Response):
    """A case of the reply's department whose taxpayer has the sender's number."""

    id: Id
    case_ref: str


class Reply(Response):
    """A citizen's reply in a department's inbox."""

    id: Id
    department: str | None = Field(description="the department's code; null: unrouted")
    from_: str = Field(alias="from", description="the sender's number, E.164")
    to: str
    text: str
    received_at: Timestamp
    classification: ReplyClass
    state: ReplyState
    handled_by: str | None = Field(description="the login of who took or finished it")
    handled_at: Timestamp | None
    cases: list[ReplyCase]

    model_config = ConfigDict(from_attributes=True, extra="forbid", populate_by_name=True)

    @classmethod
    def of(cls, reply, cases) -> "Reply":
        return cls.model_validate({
            "id": reply.id, "department": reply.department.code if reply.department else None,
            "from": reply.msisdn, "to": reply.to, "text": reply.text, "received_at": reply.received_at,
            "classification": reply.classification, "state": reply.state,
            "handled_by": reply.handled_by.login if reply.handled_by else None,
            "handled_at": reply.handled_at, "cases": [ReplyCase.model_validate(c) for c in cases],
        })


class ReplyUpdate(Request):
    """A new state (who handled it is the caller) and/or a corrected classification."""

    state: _domain_checked({"type": "string", "enum": [str(s) for s in ReplyState]}) = None
    classification: _domain_checked({"type": "string", "enum": [str(c) for c in ReplyClass]}) = None
