"""Declaring an API route once: its method and URL, who may call it, its request model, its
answers (status -> response model) and its errors. `operation` registers the Flask view on the
API blueprint and records the same facts for `openapi.py`, so the document is generated from
what the routes do.

The view receives the validated request model as `body=` (when the operation has one) and
returns a response model, `(model, status)`, `(model, status, headers)` or a Flask response;
it raises an `ApiError` for a 4xx. Errors are answered by one handler on the blueprint.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps

from flask import jsonify, make_response, request
from pydantic import BaseModel, ValidationError

from app.api.blueprint import bp
from app.api.errors import ApiError, BadRequest, Unprocessable
from app.auth.access import roles_required


@dataclass(frozen=True)
class Param:
    """A query or header parameter, for the document (the view reads and checks it)."""

    name: str
    location: str  # "query" or "header"
    schema: dict
    required: bool = False
    description: str = ""


@dataclass
class Operation:
    method: str
    rule: str
    operation_id: str
    summary: str
    tags: tuple[str, ...]
    roles: frozenset | None  # None: public
    body: type[BaseModel] | None
    body_media: str
    answers: dict[int, type[BaseModel] | None]
    errors: tuple[int, ...]
    params: tuple[Param, ...]
    description: str = ""
    headers: dict[int, dict] = field(default_factory=dict)


OPERATIONS: list[Operation] = []


def operation(method: str, rule: str, *, operation_id: str, summary: str, tags: tuple[str, ...],
              roles, answers: dict, errors: tuple[int, ...] = (), body: type[BaseModel] | None = None,
              body_media: str = "application/json", params: tuple[Param, ...] = (),
              description: str = "", headers: dict | None = None) -> Callable:
    """Register the decorated view as `method rule` on the API blueprint (see the module)."""
    op = Operation(method, rule, operation_id, summary, tuple(tags),
                   frozenset(roles) if roles is not None else None, body, body_media, dict(answers),
                   tuple(errors), tuple(params), description, headers or {})
    if not any(o.operation_id == operation_id for o in OPERATIONS):  # a module re-imported
        OPERATIONS.append(op)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(**kwargs):
            if body is not None and body_media == "application/json":
                kwargs["body"] = _validated(body)
            return _answer(view(**kwargs))

        guarded = roles_required(*op.roles)(wrapped) if op.roles is not None else wrapped
        bp.add_url_rule(rule, endpoint=view.__name__, view_func=guarded, methods=[method])
        return guarded

    return decorator


def _validated(model: type[BaseModel]) -> BaseModel:
    raw = request.get_json(silent=True)
    if not isinstance(raw, dict):
        raise BadRequest("the body must be a JSON object")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        fields = {".".join(map(str, e["loc"])) or "body": e["msg"] for e in exc.errors()}
        raise Unprocessable("invalid request body", fields) from None


def _answer(result):
    """A view's return value as a Flask response: models are dumped as JSON."""
    status, headers = None, None
    if isinstance(result, tuple):
        result, status, *rest = result
        headers = rest[0] if rest else None
    if isinstance(result, BaseModel):
        result = jsonify(result.model_dump(mode="json", by_alias=True))
    elif isinstance(result, list) and all(isinstance(item, BaseModel) for item in result):
        result = jsonify([item.model_dump(mode="json", by_alias=True) for item in result])
    result = make_response(result)
    if status is not None:
        result.status_code = status
    for name, value in (headers or {}).items():
        result.headers[name] = value
    return result


@bp.errorhandler(ApiError)
def api_error(exc: ApiError):
    """Every ApiError as `{"error", "fields"}` with its status."""
    return jsonify(error=exc.message, fields=exc.fields), exc.status
