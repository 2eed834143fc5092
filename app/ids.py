"""Row ids as they arrive from outside (URLs, forms, JSON): only values a database id can hold.

A number beyond the id column's range is not an error of the database but of the request:
it must be a 404 (in a URL) or a 4xx (in a body), never an overflow deep in the driver.
"""

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # the range of the integer primary keys


def is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: 1..MAX_ID, so a larger number is a plain 404."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
