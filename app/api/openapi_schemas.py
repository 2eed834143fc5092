"""The JSON shapes of the API, as OpenAPI 3.0 schemas (`components.schemas` of openapi.json).

Hand-written to match what the serializers return (app.api.shapes,
app.promises.serializers, app.sms.serializers, app.reports.kpis): every response object
lists all its keys as required and allows no others, so a changed serializer fails
tests/api/test_openapi_fuzz.py until this file says the same.
"""

from app.calls.models import CallDirection, CallOutcome
from app.cases.models import CaseStatus, ImportStatus, PhoneKind
from app.ids import MAX_ID
from app.promises.models import PromiseStatus
from app.sms.models import SmsStatus

INT = {"type": "integer"}
COUNT = {"type": "integer", "minimum": 0}
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
STR = {"type": "string"}
BOOL = {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}
RATE = {"type": "number", "minimum": 0, "nullable": True, "description": "a share (4 places); null for 0/0"}


def nullable(schema: dict) -> dict:
    return {**schema, "nullable": True}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict, description: str = "", required=None) -> dict:
    """A closed object: every property required (unless `required` says otherwise), no others."""
    schema = {"type": "object", "additionalProperties": False, "properties": properties,
              "required": list(properties) if required is None else list(required)}
    if description:
        schema["description"] = description
    return schema


def enum(values) -> dict:
    return {"type": "string", "enum": [str(v) for v in values]}


def array(items: dict) -> dict:
    return {"type": "array", "items": items}


ERROR = obj({
    "error": {"type": "string", "minLength": 1, "description": "what is wrong, in English"},
    "fields": {
        "type": "object", "description": "the fields at fault and why (reports: a list per field)",
        "additionalProperties": {"oneOf": [STR, array(STR)]},
    },
}, "Every 4xx answer of the API.", required=["error"])

CASE_SUMMARY = obj({"id": ID, "case_ref": STR, "taxpayer": STR, "status": enum(CaseStatus),
                    "balance": INT}, "A search result.")

CALL = obj({
    "id": ID, "at": DATETIME, "outcome": enum(CallOutcome), "direction": enum(CallDirection),
    "phone_id": nullable(ID), "notes": STR, "user": nullable(STR),
    "over_cap": {"type": "boolean", "description": "an outbound call beyond the attempt caps"},
}, "A logged call.")

SMS_ERROR = obj({"code": nullable(STR), "text": nullable(STR), "reason": nullable(STR)})

SMS = obj({
    "id": ID, "status": enum(SmsStatus), "to": STR, "sender": STR, "text": STR,
    "provider_message_id": nullable(STR), "provider_message_ids": array(STR),
    "error": nullable(SMS_ERROR), "reason": nullable(STR), "phone_id": nullable(ID),
    "rule_id": nullable(ID), "language": enum(("ja", "en")), "encoding": enum(("gsm7", "ucs2")),
    "segments": COUNT, "provider": nullable(STR), "created_at": DATETIME,
    "scheduled_for": nullable(DATETIME), "sent_at": nullable(DATETIME), "delivered_at": nullable(DATETIME),
}, "An SMS of the case (the outbox row).")

INSTALMENT = obj({"seq": {"type": "integer", "minimum": 1}, "amount": INT, "due_date": DATE,
                  "status": enum(PromiseStatus)})

PROMISE = obj({
    "id": ID, "case_id": ID, "status": enum(PromiseStatus), "total_amount": INT, "collected": INT,
    "first_due_date": DATE, "last_due_date": DATE, "created_at": DATETIME, "created_by": nullable(STR),
    "judged_at": nullable(DATETIME), "above_balance_allowed": BOOL, "notes": STR,
    "instalments": array(INSTALMENT),
}, "A promise to pay (one instalment, or a plan).")

PAYMENT = obj({"id": ID, "payment_ref": STR, "case_id": ID, "amount": INT, "paid_on": DATE,
               "source": enum(("api", "csv")), "created_at": DATETIME}, "A payment.")

PAYMENT_RESULT = obj({
    **PAYMENT["properties"],
    "case": obj({"id": ID, "case_ref": STR, "balance": INT, "status": enum(CaseStatus)}),
}, "The payment and its case after it.")

CASE_DETAIL = obj({
    "id": ID, "case_ref": STR, "department": STR, "status": enum(CaseStatus),
    "taxpayer": obj({"ref": STR, "name": STR, "name_kana": STR, "address": STR}),
    "phones": array(obj({"id": ID, "e164": {"type": "string", "pattern": r"^\+[1-9][0-9]{1,14}$"},
                         "kind": enum(PhoneKind), "consent": BOOL, "opted_out": BOOL, "usable": BOOL})),
    "charges": array(obj({"tax_type": STR, "fiscal_year": INT, "amount_due": INT, "due_date": DATE})),
    "balance": INT,
    "calls": array(ref("Call")), "sms": array(ref("Sms")),
    "promises": array(ref("Promise")), "payments": array(ref("Payment")),
}, "The whole case; its history newest first.")

IMPORT = obj({
    "id": ID, "status": enum(ImportStatus), "filename": STR, "total": COUNT, "imported": COUNT,
    "errors": array(obj({"line": COUNT, "column": STR, "message": STR})),
    "message": nullable(STR),
}, "A case import and its progress; `errors` are the refused rows.")

CALL_REQUEST = {
    "type": "object", "required": ["phone_id", "outcome"],
    "properties": {
        "phone_id": {**ID, "description": "a phone of the case's taxpayer"},
        "outcome": enum(CallOutcome),
        "direction": {"type": "string", "enum": [*map(str, CallDirection), ""], "default": "outbound",
                      "description": "empty or left out: outbound"},
        "notes": {"type": "string", "nullable": True, "default": ""},
    },
}

AMOUNT = {"type": "integer", "minimum": 1, "maximum": 10**15 - 1, "description": "whole yen"}
INSTALMENT_REQUEST = {"type": "object", "required": ["amount", "due_date"],
                      "properties": {"amount": AMOUNT, "due_date": DATE}}
_PROMISE_OPTIONS = {
    "notes": {"type": "string", "nullable": True, "maxLength": 4000},
    "allow_above_balance": {"type": "boolean", "default": False,
                            "description": "a total above the balance (supervisors and admins)"},
}
PROMISE_REQUEST = {
    "description": "One payment, or an instalment plan (not both).",
    "oneOf": [
        {"type": "object", "required": ["amount", "due_date"], "not": {"required": ["instalments"]},
         "properties": {"amount": AMOUNT, "due_date": DATE, **_PROMISE_OPTIONS}},
        {"type": "object", "required": ["instalments"],
         "not": {"anyOf": [{"required": ["amount"]}, {"required": ["due_date"]}]},
         "properties": {"instalments": {"type": "array", "minItems": 1, "items": INSTALMENT_REQUEST},
                        **_PROMISE_OPTIONS}},
    ],
}

PAYMENT_REQUEST = {
    "type": "object", "required": ["payment_ref", "case_ref", "amount", "paid_on"],
    "properties": {
        "payment_ref": {"type": "string", "minLength": 1, "maxLength": 64,
                        "description": "the revenue system's id of the payment (idempotency key)"},
        "case_ref": {"type": "string", "minLength": 1, "maxLength": 64},
        "amount": AMOUNT,
        "paid_on": {**DATE, "description": "not in the future (local date)"},
    },
}

IMPORT_REQUEST = {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary",
                            "description": "the case CSV (UTF-8 or CP932; see the README)"}},
}

_OUTCOMES = {"kept": COUNT, "partially_kept": COUNT, "broken": COUNT}
_GROUP = obj({"cases": COUNT, "paid_7d": COUNT, "share_7d": RATE, "paid_14d": COUNT, "share_14d": RATE})
REPORT = obj({
    "period": obj({"from": DATE, "to": DATE, "timezone": STR}),
    "department": nullable(obj({"id": ID, "code": STR, "name": STR})),
    "operator": nullable(obj({"id": ID, "login": STR, "name": STR})),
    "calls": obj({"attempts": COUNT, "inbound": COUNT, "contacts": COUNT, "contact_rate": RATE,
                  "right_party_contacts": COUNT, "right_party_contact_rate": RATE}),
    "sms": obj({
        "created": COUNT, "sent": COUNT, "delivered": COUNT, "failed": COUNT, "pending": COUNT,
        "unknown": COUNT, "suppressed": COUNT,
        "suppressed_by_reason": {"type": "object", "additionalProperties": COUNT},
        "delivery_rate": RATE, "segments": COUNT, "cost": {"type": "number", "minimum": 0},
        "replaced_calls": COUNT,
    }),
    "promises": obj({"made": COUNT, "judged": COUNT, **_OUTCOMES, "kept_rate": RATE,
                     "amount_promised": INT, "amount_collected": INT, "promise_rate": RATE}),
    "payments": obj({"collected": INT, "count": COUNT, "cases_paid_in_full": COUNT}),
    "reminder_effect": obj({"reminded": _GROUP, "comparison": _GROUP}),
    "operators": array(obj({
        "id": nullable(ID), "login": nullable(STR), "name": nullable(STR), "attempts": COUNT,
        "contacts": COUNT, "right_party_contacts": COUNT, "promises": COUNT, "judged": COUNT,
        "kept": COUNT, "kept_rate": RATE,
    })),
    "daily": array(obj({"date": DATE, "attempts": COUNT, "contacts": COUNT, "sms_delivered": COUNT,
                        "payments": INT})),
    "promise_outcomes": obj(_OUTCOMES),
}, "The report's figures for local days from..to; definitions in the report's footnotes.")

SCHEMAS = {
    "Error": ERROR, "CaseSummary": CASE_SUMMARY, "Call": CALL, "Sms": SMS, "Promise": PROMISE,
    "Payment": PAYMENT, "PaymentResult": PAYMENT_RESULT, "CaseDetail": CASE_DETAIL, "Import": IMPORT,
    "Report": REPORT, "CallRequest": CALL_REQUEST, "PromiseRequest": PROMISE_REQUEST,
    "PaymentRequest": PAYMENT_REQUEST, "ImportRequest": IMPORT_REQUEST,
}
