"""GET /api/v1/openapi.json: the OpenAPI 3.0 description of the JSON API, generated from the
operations the routes declare (`operations.operation`) and the pydantic models of `schemas`.

Public (no token): it describes the API, it holds no data. tests/api/test_openapi_routes.py
checks that every /api/v1 route is described and tests/api/test_openapi_fuzz.py runs
schemathesis against it.
"""

import re
import typing

from flask import jsonify
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from app.api import (  # noqa: F401 (their operations)
    amount_due,
    cases,
    configuration,
    imports,
    inbox,
    payments,
    promises,
    reports,
    schemas,
)
from app.api.operations import OPERATIONS, Operation, operation
from app.ids import MAX_ID

JSON = "application/json"
REF = "#/components/schemas/{model}"
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
_OK = {200: "OK.", 201: "Created.", 202: "Accepted: poll the Location.", 204: "Nothing to return."}


def _openapi30(node):
    """A JSON Schema (2020-12, as pydantic writes it) in OpenAPI 3.0's dialect: `X | None`
    becomes `nullable`, `const` an enum of one."""
    if isinstance(node, list):
        return [_openapi30(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _openapi30(value) for key, value in node.items()}
    if "const" in node:
        node["enum"] = [node.pop("const")]
    options = node.get("anyOf")
    if options and {"type": "null"} in options:
        rest = [o for o in options if o != {"type": "null"}]
        node.pop("anyOf")
        if len(rest) == 1:
            only = rest[0]
            node.update({"allOf": [only]} if "$ref" in only else only)
        else:
            node["anyOf"] = rest
        node["nullable"] = True
    return node


def _models(kind: str) -> set[type[BaseModel]]:
    found = set()
    for op in OPERATIONS:
        models = [op.body] if kind == "validation" else list(op.answers.values())
        for model in models:
            if typing.get_origin(model) is list:
                model = typing.get_args(model)[0]
            if isinstance(model, type) and issubclass(model, BaseModel):
                found.add(model)
    if kind == "validation":
        found.add(schemas.InstalmentRequest)  # referenced by PromiseRequest's instalments
    else:
        found.add(schemas.Error)
    return found


def _components() -> dict:
    pairs = [(m, "serialization") for m in _models("serialization")]
    pairs += [(m, "validation") for m in _models("validation")]
    _, top = models_json_schema(sorted(pairs, key=lambda p: p[0].__name__), ref_template=REF)
    return {name: _openapi30(schema) for name, schema in sorted(top.get("$defs", {}).items())}


def _ref(name: str) -> dict:
    return {"$ref": REF.format(model=name)}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _answer_schema(model) -> dict:
    if typing.get_origin(model) is list:
        item = typing.get_args(model)[0]
        return {"type": "array", "maxItems": 50, "items": _ref(item.__name__)}
    return _ref(model.__name__)


def _responses(op: Operation) -> dict:
    """The success answers and the error codes (400, 401 and 503 always: any request may be
    malformed, lack a token or meet a database outage)."""
    answers = {}
    for code, model in op.answers.items():
        answer = ({"description": _OK[code]} if model is None
                  else _json(_answer_schema(model), _OK.get(code, "OK.")))
        if code in op.headers:
            answer["headers"] = op.headers[code]
        answers[str(code)] = answer
    if op.roles is None:
        return answers
    for code in sorted({400, 401, *op.errors}):
        answers[str(code)] = _json(_ref("Error"), _WHY[code])
    answers["503"] = {**_json(_ref("Error"), _WHY[503]), "headers": {"Retry-After": {
        "description": "seconds", "schema": {"type": "integer", "minimum": 1}}}}  # app.ops.unavailable
    return answers


def _path_and_parameters(op: Operation) -> tuple[str, list]:
    names = re.findall(r"<(?:[a-z]+:)?([a-z_]+)>", op.rule)
    path = "/api/v1" + re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", op.rule)
    parameters = [{"name": name, "in": "path", "required": True,
                   "description": f"the {name.removesuffix('_id')}'s id",
                   "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID, "example": 1}}
                  for name in names]
    for param in op.params:
        entry = {"name": param.name, "in": param.location, "required": param.required,
                 "schema": param.schema}
        if param.description:
            entry["description"] = param.description
        parameters.append(entry)
    return path, parameters


def _paths() -> dict:
    paths: dict = {}
    for op in OPERATIONS:
        path, parameters = _path_and_parameters(op)
        entry = {"operationId": op.operation_id, "tags": list(op.tags), "summary": op.summary,
                 "responses": _responses(op)}
        if op.description:
            entry["description"] = op.description
        if parameters:
            entry["parameters"] = parameters
        if op.body is not None:
            entry["requestBody"] = {"required": True,
                                    "content": {op.body_media: {"schema": _ref(op.body.__name__)}}}
        if op.roles is None:
            entry["security"] = []
        paths.setdefault(path, {})[op.method.lower()] = entry
    return paths


@operation("GET", "/openapi.json", operation_id="openapi", tags=("meta",), roles=None,
           summary="This description.", answers={200: None})
def openapi():
    """The OpenAPI description (public)."""
    return jsonify(SPEC)


def build_spec() -> dict:
    """The whole document, from the registered operations and their models."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Collections call center API", "version": "1",
            "description": "Authenticate with `Authorization: Bearer <token>` (`flask users token LOGIN`). "
                           "A browser session works too; then unsafe methods need the `X-CSRFToken` "
                           "header. Errors are JSON `{\"error\": ..., \"fields\": {...}}`.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "a token from `flask users token LOGIN`"}},
            "schemas": _components(),
        },
    }


SPEC = build_spec()
