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
