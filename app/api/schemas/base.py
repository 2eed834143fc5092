"""The building blocks of every API shape: the value types (ids, yen, timestamps), the
response and request bases, the error answer, and the request values the domain checks."""

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from app.date_limits import in_range
from app.ids import MAX_ID

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Count = Annotated[int, Field(ge=0)]
Yen = Annotated[int, Field(description="whole yen")]
# ISO 8601 as Python writes it (2026-11-16T01:00:00+00:00), the API's format since the start.
Timestamp = Annotated[datetime, PlainSerializer(lambda v: v.isoformat(), return_type=str),
                      WithJsonSchema({"type": "string", "format": "date-time"})]
Rate = Annotated[float | None, Field(ge=0, description="a share (4 places); null for 0/0")]


def domain_checked(schema: dict) -> Any:
    """A request value documented as `schema` and checked by the service (its reason, its field
    name), so any JSON value passes the model."""
    return Annotated[Any, WithJsonSchema(schema)]


class Response(BaseModel):
    """A response shape: read from attributes, every key required, no other key allowed."""

    model_config = ConfigDict(from_attributes=True, extra="forbid")

    @classmethod
    def of_row(cls, row, **computed):
        """The shape of `row`: each field is the row's attribute of that name, except the fields
        given in `computed`."""
        return cls.model_validate(
            {**{name: getattr(row, name) for name in cls.model_fields if name not in computed}, **computed})


class Request(BaseModel):
    """A request body's structure; unknown keys are ignored (a newer client may send more)."""

    model_config = ConfigDict(extra="ignore")


class Error(Response):
    """Every 4xx answer of the API."""

    error: str = Field(min_length=1, description="what is wrong, in English")
    fields: dict[str, str | list[str]] = Field(
        description="the fields at fault and why (reports: a list per field); {} when none")


AMOUNT = {"type": "integer", "minimum": 1, "maximum": 10**15 - 1, "description": "whole yen"}
DATE = {"type": "string", "format": "date", "description": "YYYY-MM-DD, 1900-01-01..2199-12-31"}


def iso_date(value) -> date | Any:
    """`value` as a date when it is a YYYY-MM-DD string within 1900..2199, else `value` as it
    came (the service then names the field and says why)."""
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            parsed = date.fromisoformat(value.strip())
        except ValueError:
            return value
        if in_range(parsed):
            return parsed
    return value
