"""Every route of the app against every actor of the table (tests/access/table.py): the
answer is the table's, a refusal changes nothing, and A's operator and supervisor never see
department B's data. A route missing from the table fails the first test."""

import html
import re
from urllib.parse import urlsplit

import pytest

from tests.access.requests import check_answer, readable, send
from tests.access.table import ACCESS, ACTORS, NA, PUBLIC, REFUSALS
from tests.access.world import B_SECRETS, fingerprint

IGNORED_METHODS = {"HEAD", "OPTIONS"}
TAG = re.compile(r"<(a|form)\s[^>]*>", re.I)
ATTRIBUTE = re.compile(r'(href|action|method)="([^"]*)"', re.I)


def offered(app, response) -> set[tuple[str, str]]:
    """The (method, rule) of every same-site link and POST form on the page."""
    adapter, found = app.url_map.bind("localhost"), set()
    for tag in TAG.finditer(response.get_data(as_text=True)):
        attributes = {k.lower(): v for k, v in ATTRIBUTE.findall(tag.group(0))}
        method = attributes.get("method", "get").upper()
        path = urlsplit(html.unescape(attributes.get("href") or attributes.get("action") or "")).path
        if path.startswith("/"):
            rule, _ = adapter.match(path, method=method, return_rule=True)
            found.add((method, rule.rule))
    return found


def refused_to(column: str, link: tuple[str, str]) -> bool:
    """A link the actor would be refused on (a login-required page is fine for the anonymous)."""
    return ACCESS[link][ACTORS.index(column)] in (401, 403, 404)


def test_every_route_has_a_row_and_every_row_a_route(access_app):
    routes = {(method, rule.rule) for rule in access_app.url_map.iter_rules()
              for method in rule.methods - IGNORED_METHODS}
    assert sorted(routes - ACCESS.keys()) == [], "routes without a row in tests/access/table.py"
    assert sorted(ACCESS.keys() - routes) == [], "rows of tests/access/table.py without a route"
    assert all(len(row) == len(ACTORS) for row in ACCESS.values())


CASES = [(key, column) for key, row in ACCESS.items()
         for column, expected in zip(ACTORS, row, strict=True) if expected is not NA]


@pytest.mark.parametrize(("key", "column"), CASES, ids=[f"{m} {r} [{c}]" for (m, r), c in CASES])
def test_route_answers_each_actor_as_the_table_says(access_app, world, key, column):
    expected = ACCESS[key][ACTORS.index(column)]
    before = fingerprint() if expected in REFUSALS else None
    response = send(access_app, world, key, column)
    check_answer(response, expected)
    if before is not None:
        assert fingerprint() == before, "a refused request changed the database"
    if response.status_code == 200 and response.mimetype == "text/html" and ">" not in column:
        forbidden = [link for link in offered(access_app, response) if refused_to(column, link)]
        assert forbidden == [], "the page offers links or buttons its reader may not use"
    if column.startswith(("operator", "supervisor")) and key[1] not in PUBLIC:
        page = readable(response)
        assert not [s for s in B_SECRETS if s in page], "department B's data shown to department A"
