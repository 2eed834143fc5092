"""The reply inbox as the API answers and changes it."""


from pydantic import ConfigDict, Field

from app.api.schemas.base import Id, Request, Response, Timestamp, domain_checked
from app.sms.models import ReplyClass, ReplyState


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

    state: domain_checked({"type": "string", "enum": [str(s) for s in ReplyState]}) = None
    classification: domain_checked({"type": "string", "enum": [str(c) for c in ReplyClass]}) = None
