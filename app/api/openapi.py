"""GET /api/v1/openapi.json: the OpenAPI 3.0 description of the JSON API, kept as data here.

Public (no token): it describes the API, it holds no data. The schemas live in
app.api.openapi_schemas; tests/api/test_openapi_routes.py checks that every /api/v1 route is
described and every described operation is a route, and tests/api/test_openapi_fuzz.py runs
schemathesis against it.
"""

from flask import jsonify

from app.api.blueprint import bp
from app.api.openapi_schemas import ID, SCHEMAS, ref

JSON = "application/json"
_WHY = {
    400: "The request is malformed: not a JSON object, a missing parameter, text with NUL characters, "
         "a bad CSRF token (session callers).",
    401: "No valid bearer token (or session).",
    403: "Your role may not do this.",
    404: "Not found, or not in your department.",
    409: "The payment_ref is already recorded with other data.",
    413: "The upload is larger than MAX_UPLOAD_MB.",
    422: "The values are not acceptable; `fields` says which and why.",
    503: "The database cannot be reached right now; nothing was written. Retry after `Retry-After`.",
}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _responses(ok: dict, *errors: int) -> dict:
    """The operation's success answers (code -> response) and its error codes (400, 401 and 503
    always: any request may be malformed, lack a token or meet a database outage)."""
    answers = {str(code): response for code, response in ok.items()}
    for code in sorted({400, 401, *errors}):
        answers[str(code)] = _json(ref("Error"), _WHY[code])
    answers["503"] = {**_json(ref("Error"), _WHY[503]), "headers": {"Retry-After": {
        "description": "seconds", "schema": {"type": "integer", "minimum": 1}}}}  # app.ops.unavailable
    return answers


def _path_id(name: str, what: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": f"the {what}'s id",
            "schema": {**ID, "example": 1}}


def _body(name: str, media: str = JSON) -> dict:
    return {"required": True, "content": {media: {"schema": ref(name)}}}


CASE_ID = _path_id("case_id", "case")
OPERATOR_ROLES = "Operators, supervisors and admins (managers read only)."

PATHS = {
    "/api/v1/openapi.json": {"get": {
        "operationId": "openapi", "summary": "This description.", "security": [], "tags": ["meta"],
        "responses": {"200": _json({"type": "object"}, "The OpenAPI 3.0 document.")},
    }},
    "/api/v1/cases": {"get": {
        "operationId": "searchCases", "tags": ["cases"],
        "summary": "Find cases by phone (any format), case or taxpayer reference, or name.",
        "description": "At most 50 results, visible to the caller (own department unless manager/admin).",
        "parameters": [{"name": "q", "in": "query", "required": True,
                        "schema": {"type": "string", "minLength": 1},
                        "description": "phone, case_ref, taxpayer_ref, or part of the name (kanji/kana)"}],
        "responses": _responses({200: _json({"type": "array", "maxItems": 50, "items": ref("CaseSummary")},
                                            "The matching cases.")}, 400),
    }},
    "/api/v1/cases/{case_id}": {"get": {
        "operationId": "getCase", "tags": ["cases"], "summary": "The whole case.",
        "parameters": [CASE_ID],
        "responses": _responses({200: _json(ref("CaseDetail"), "The case.")}, 404),
    }},
    "/api/v1/cases/{case_id}/calls": {"post": {
        "operationId": "logCall", "tags": ["calls"], "summary": "Log a call on the case.",
        "description": OPERATOR_ROLES + " The escalation rules run in the same transaction.",
        "parameters": [CASE_ID, {
            "name": "Idempotency-Key", "in": "header", "required": False,
            "schema": {"type": "string", "maxLength": 64},
            "description": "a retried request with the same key logs one call (200 with it)"}],
        "requestBody": _body("CallRequest"),
        "responses": _responses({201: _json(ref("Call"), "The call was logged."),
                                 200: _json(ref("Call"), "A replay of an Idempotency-Key: the call.")},
                                400, 403, 404, 422),
    }},
    "/api/v1/cases/{case_id}/promises": {"post": {
        "operationId": "recordPromise", "tags": ["promises"], "summary": "Record a promise to pay.",
        "description": OPERATOR_ROLES + " A new promise replaces the pending one. 422 `fields` are named "
                       "as sent: `amount`, `due_date`, `instalments.<i>.amount` ...",
        "parameters": [CASE_ID],
        "requestBody": _body("PromiseRequest"),
        "responses": _responses({201: _json(ref("Promise"), "The promise.")}, 400, 403, 404, 422),
    }},
    "/api/v1/queue/claim": {"post": {
        "operationId": "claimNext", "tags": ["queue"], "summary": "Claim the next workable case.",
        "description": OPERATOR_ROLES + " The claim expires after CLAIM_MINUTES.",
        "responses": _responses({200: _json(ref("CaseDetail"), "The claimed case."),
                                 204: {"description": "Nothing to work now."}}, 400, 403),
    }},
    "/api/v1/imports": {"post": {
        "operationId": "uploadImport", "tags": ["imports"], "summary": "Upload a case CSV.",
        "description": "Supervisors (own department's rows), managers, admins. Poll the Location.",
        "requestBody": _body("ImportRequest", "multipart/form-data"),
        "responses": _responses({202: {**_json(ref("Import"), "Queued."), "headers": {"Location": {
            "description": "the import's status URL", "schema": {"type": "string"}}}}}, 400, 403, 413),
    }},
    "/api/v1/imports/{import_id}": {"get": {
        "operationId": "getImport", "tags": ["imports"], "summary": "An import's progress and row errors.",
        "parameters": [_path_id("import_id", "import")],
        "responses": _responses({200: _json(ref("Import"), "The import.")}, 403, 404),
    }},
    "/api/v1/payments": {"post": {
        "operationId": "recordPayment", "tags": ["payments"],
        "summary": "A payment from the revenue system (manager or admin token), idempotent on payment_ref.",
        "requestBody": _body("PaymentRequest"),
        "responses": _responses({201: _json(ref("PaymentResult"), "Recorded."),
                                 200: _json(ref("PaymentResult"), "A replay: the stored payment.")},
                                400, 403, 409, 422),
    }},
    "/api/v1/reports/summary": {"get": {
        "operationId": "reportSummary", "tags": ["reports"],
        "summary": "The report's figures (supervisors: own department; managers, admins: any or all).",
        "parameters": [
            {"name": "from", "in": "query", "required": True, "schema": {"type": "string", "format": "date"}},
            {"name": "to", "in": "query", "required": True, "schema": {"type": "string", "format": "date"},
             "description": "inclusive; at most 366 days after `from`"},
            {"name": "department", "in": "query", "required": False, "schema": {"type": "string"},
             "description": "a department code; none: all departments"},
            {"name": "operator", "in": "query", "required": False, "schema": {"type": "string"},
             "description": "an operator's login (calls and promises only)"},
        ],
        "responses": _responses({200: _json(ref("Report"), "The figures.")}, 400, 403, 404),
    }},
}

SPEC = {
    "openapi": "3.0.3",
    "info": {
        "title": "Collections call center API", "version": "1",
        "description": "Authenticate with `Authorization: Bearer <token>` (`flask users token LOGIN`). "
                       "A browser session works too; then unsafe methods need the `X-CSRFToken` header. "
                       "Errors are JSON `{\"error\": ...}`.",
    },
    "servers": [{"url": "/"}],
    "security": [{"bearerAuth": []}],
    "paths": PATHS,
    "components": {
        "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                           "description": "a token from `flask users token LOGIN`"}},
        "schemas": SCHEMAS,
    },
}


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI description (public)."""
    return jsonify(SPEC)
