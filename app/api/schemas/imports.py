"""A case import as the API answers it: progress, refused rows and the summary."""


from pydantic import Field, field_validator

from app.api.schemas.base import Count, Id, Response, Timestamp
from app.cases.models import ImportMode, ImportStatus


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
