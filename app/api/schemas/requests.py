"""The request bodies of the case, promise, payment and import routes."""


from pydantic import ConfigDict

from app.api.schemas.base import AMOUNT, DATE, Request, domain_checked
from app.calls.models import CallDirection, CallOutcome
from app.cases.models import ConsentSource, ImportMode
from app.ids import MAX_ID
from app.payments.models import PaymentKind


class CallRequest(Request):
    """A call to log."""

    phone_id: domain_checked({"type": "integer", "minimum": 1, "maximum": MAX_ID,
                               "description": "a phone of the case's taxpayer"})
    outcome: domain_checked({"type": "string", "enum": [str(o) for o in CallOutcome]})
    direction: domain_checked({"type": "string", "enum": [*map(str, CallDirection), ""],
                                "description": "empty or left out: outbound"}) = "outbound"
    notes: domain_checked({"type": "string", "nullable": True}) = ""
    identity_verified: domain_checked({"type": "boolean", "default": False,
                                        "description": "本人確認済み: only with outcome answered"}) = False


class ConsentRequest(Request):
    """A phone's consent to SMS from the case's department."""

    consent: domain_checked({"type": "boolean"})
    source: domain_checked({"type": "string", "enum": [str(s) for s in ConsentSource]})


class InstalmentRequest(Request):
    amount: domain_checked(AMOUNT)
    due_date: domain_checked(DATE)


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

    amount: domain_checked(AMOUNT) = None
    due_date: domain_checked(DATE) = None
    instalments: domain_checked({"type": "array", "minItems": 1,
                                  "items": {"$ref": "#/components/schemas/InstalmentRequest"}}) = None
    notes: domain_checked(_PROMISE_OPTIONS["notes"]) = ""
    allow_above_balance: domain_checked(_PROMISE_OPTIONS["allow_above_balance"]) = False


class PaymentRequest(Request):
    """A payment from the revenue system."""

    payment_ref: domain_checked({"type": "string", "minLength": 1, "maxLength": 64,
                                  "description": "the revenue system's id of the payment (idempotency key)"})
    case_ref: domain_checked({"type": "string", "minLength": 1, "maxLength": 64})
    amount: domain_checked({**AMOUNT, "description": "whole yen, at most the balance + 10,000,000; "
                                                      "a reversal may leave it out"}) = None
    paid_on: domain_checked({**DATE, "description": "1900-01-01..2199-12-31, not in the future"})
    kind: domain_checked({"type": "string", "enum": [str(k) for k in PaymentKind],
                           "default": "confirmed"}) = None
    reverses: domain_checked({"type": "string", "nullable": True, "maxLength": 64, "description":
                               "a reversal: the payment_ref it undoes (same case, not reversed yet)"}) = None


class ImportRequest(Request):
    """A case CSV upload (multipart/form-data)."""

    file: domain_checked({"type": "string", "format": "binary",
                           "description": "the case CSV (UTF-8 or CP932; see the README)"})
    as_of: domain_checked({"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$",
                            "description": "when the core system produced the file, local time "
                                           "YYYY-MM-DDTHH:MM (default: the start of the import)"}) = None
    mode: domain_checked({"type": "string", "enum": [str(m) for m in ImportMode], "default": "delta",
                           "description": "full: open charges of the file's departments it does not "
                                          "list close"}) = None
