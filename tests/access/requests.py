"""Making the table's requests as an actor, and reading the answers."""

import json
import re
import uuid
from urllib.parse import parse_qs, urlsplit

from tests.access.table import ARGUMENTS, LOGIN, REQUESTS, Req


def _fill(value, ctx: dict):
    """`value` with its {placeholders} replaced (only the known ones: SMS templates have theirs)."""
    if callable(value):
        return value(ctx)
    if isinstance(value, dict):
        return {k: _fill(v, ctx) for k, v in value.items()}
    if isinstance(value, str):
        return re.sub(r"\{(\w+)\}", lambda m: str(ctx.get(m.group(1), m.group(0))), value)
    return value


def url_of(rule: str, spec: Req) -> str:
    if spec.url:
        return spec.url
    return re.sub(r"<(?:[\w()]+:)?(\w+)>", lambda m: ARGUMENTS[m.group(1)], rule)


def send(app, world, key, column: str, *, csrf: bool = True, bearer: bool = True, **overrides):
    """Make the table's request for `key` as the actor of `column` (">B": on department B's
    objects). The API gets the actor's bearer token (unless `bearer` is false: then the
    browser session, as for the pages); `csrf=False` leaves the CSRF token out; `overrides`
    replace parts of the route's Req."""
    method, rule = key
    role, _, foreign = column.partition(">")
    ctx = {**world.places["B" if foreign else "A"], "uid": uuid.uuid4().hex[:12], "actor": role}
    spec = Req(**{**vars(REQUESTS.get(key, Req())), **overrides})
    session = world.sessions[role]
    headers, data, body = {}, _fill(spec.data, ctx), _fill(spec.json, ctx)
    if bearer and rule.startswith("/api/v1/") and role != "anonymous":
        headers["Authorization"] = f"Bearer {session.bearer}"
    else:
        if session.cookie:
            headers["Cookie"] = f"session={session.cookie}"
        if csrf and method in ("POST", "PATCH") and not rule.startswith("/webhooks/"):  # signed: no CSRF
            headers["X-CSRFToken"] = session.csrf
            if body is None:
                data = {**(data or {}), "csrf_token": session.csrf}
    client = app.test_client(use_cookies=False)
    response = client.open(_fill(url_of(rule, spec), ctx), method=method, headers=headers,
                           query_string=_fill(spec.query, ctx), data=data, json=body)
    response.get_data()  # buffered, so that closing the response (a static file) loses nothing
    response.close()
    return response


def check_answer(response, expected) -> None:
    """The response is the table's `expected` answer."""
    got = (response.status_code, response.headers.get("Location"))
    if expected == LOGIN:
        location = urlsplit(response.headers.get("Location", ""))
        assert response.status_code == 302 and location.path == "/login", got
        assert "next" in parse_qs(location.query), got
    elif isinstance(expected, tuple):
        assert response.status_code in expected, got
    else:
        assert response.status_code == expected, got
        if expected == 302:  # a redirect somewhere, not a bounce to the login page
            assert "next=" not in response.headers["Location"], got


def readable(response) -> str:
    """The response as text a person would read (JSON decoded), or "" for binary bodies."""
    if response.is_json:
        return json.dumps(response.get_json(), ensure_ascii=False)
    if response.mimetype.startswith("text/"):
        return response.get_data(as_text=True)
    return ""
