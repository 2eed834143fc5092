"""The API's errors: one hierarchy, answered by one handler on the API blueprint as
`{"error": message, "fields": {field: reason}}` (`fields` is `{}` when no field is at fault)."""


class ApiError(Exception):
    """A 4xx answer: `message` in English, `fields` naming the values at fault."""

    status = 400

    def __init__(self, message: str, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        self.fields = {str(k): v if isinstance(v, list) else str(v) for k, v in (fields or {}).items()}


class BadRequest(ApiError):
    """The request cannot be read: not a JSON object, a missing parameter."""

    status = 400


class Forbidden(ApiError):
    status = 403


class NotFound(ApiError):
    """Not found, or not in the caller's department (the same answer: nothing leaks)."""

    status = 404


class Conflict(ApiError):
    """The request contradicts what is recorded (a payment_ref used for another payment)."""

    status = 409


class Unprocessable(ApiError):
    """Readable, but the values are not acceptable; `fields` says which and why."""

    status = 422
