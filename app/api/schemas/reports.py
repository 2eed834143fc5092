"""The report's figures (app.reports.kpis.summary) as the API answers them."""

from datetime import date
from typing import Annotated

from pydantic import Field

from app.api.schemas.base import Count, Id, Rate, Response


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
