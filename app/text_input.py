"""Text from outside that the database cannot hold: NUL characters and lone surrogates.

PostgreSQL refuses a NUL in any text parameter (even in a WHERE clause) and a lone surrogate
(JSON allows "\\ud800") cannot be encoded to UTF-8, so either would be a 500 deep in the
driver. Requests are checked at the door instead and refused with a 400.
"""

MAX_DEPTH = 64  # JSON bodies nest a few levels; deeper is refused before it is walked


def bad_text(value, depth: int = 0) -> str | None:
    """Why `value` (a str, or JSON-like lists/dicts of them) cannot be stored; None when it can."""
    if depth > MAX_DEPTH:
        return "the data is nested too deeply"
    if isinstance(value, str):
        if "\x00" in value:
            return "text may not contain NUL characters"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "text must be valid Unicode (no lone surrogates)"
        return None
    if isinstance(value, dict):
        items = [item for pair in value.items() for item in pair]
    elif isinstance(value, list | tuple):
        items = value
    else:
        return None
    for item in items:
        problem = bad_text(item, depth + 1)
        if problem:
            return problem
    return None


def request_text_problem() -> str | None:
    """Why this request's query string, form fields (names and values) or upload file names
    cannot be stored; None when they can."""
    from flask import request

    values = [file.filename or "" for file in request.files.values()]
    for multi in (request.args, request.form):
        values.extend(item for pair in multi.items(multi=True) for item in pair)
    return bad_text(values)


def init_app(app) -> None:
    """Refuse, with a plain 400, page requests whose query string, form fields or upload names
    hold such text (the login form, search, editors ...). The JSON API and the webhooks check
    their own input and answer in JSON (app.api.blueprint, app.sms.webhooks)."""
    from flask import abort, request

    @app.before_request
    def refuse_unstorable_text():
        if request.path.startswith(("/api/", "/webhooks/")):
            return
        problem = request_text_problem()
        if problem:
            abort(400, problem)
