"""What the table's requests need besides a role: the CSRF token on every form and on the API
called with a browser session, a signature on the webhooks, the sandbox provider for the
sandbox phone. Without them: refused, and nothing changed."""

import pytest

from app import create_app
from app.extensions import db
from tests import conftest
from tests.access.requests import check_answer, send
from tests.access.table import ACCESS, ACTORS, REFUSALS
from tests.access.world import fingerprint
from tests.sms.receipt_helpers import dlr, inbound


def _first_allowed(key) -> tuple[str, object]:
    """The first actor the table lets through on `key`, and the answer it gets."""
    return next((c, e) for c, e in zip(ACTORS, ACCESS[key], strict=True)
                if e is not None and e not in REFUSALS)


FORM_POSTS = [key for key in ACCESS if key[0] == "POST" and not key[1].startswith(("/api/", "/webhooks/"))]
API_POSTS = [key for key in ACCESS if key[0] == "POST" and key[1].startswith("/api/")]


@pytest.mark.parametrize("key", FORM_POSTS, ids=[rule for _, rule in FORM_POSTS])
def test_a_form_post_without_csrf_token_is_400_and_changes_nothing(access_app, world, key):
    column, _ = _first_allowed(key)
    before = fingerprint()
    response = send(access_app, world, key, column, csrf=False)
    assert response.status_code == 400
    assert fingerprint() == before


@pytest.mark.parametrize("key", API_POSTS, ids=[rule for _, rule in API_POSTS])
def test_the_api_with_a_browser_session_needs_the_csrf_header(access_app, world, key):
    column, expected = _first_allowed(key)
    before = fingerprint()
    response = send(access_app, world, key, column, csrf=False, bearer=False)
    assert response.status_code == 400 and response.is_json
    assert fingerprint() == before
    check_answer(send(access_app, world, key, column, bearer=False), expected)


WEBHOOKS = [key for key in ACCESS if key[1].startswith("/webhooks/")]


@pytest.mark.parametrize("key", WEBHOOKS, ids=[f"{m} {r}" for m, r in WEBHOOKS])
@pytest.mark.parametrize("column", ["anonymous", "admin"])
def test_an_unsigned_webhook_is_401_whoever_sends_it(access_app, world, key, column):
    params = inbound("STOP", msisdn=world.places["A"]["number"]) if "inbound" in key[1] else dlr("x1")
    place = "query" if key[0] == "GET" else "data"
    before = fingerprint()
    response = send(access_app, world, key, column, **{place: params})
    assert response.status_code == 401
    assert fingerprint() == before


@pytest.fixture(scope="module")
def vonage_app(access_app):
    """The same database and secret key, with the real provider: no sandbox phone."""
    app = create_app(conftest.test_config(SMS_PROVIDER="vonage", VONAGE_API_KEY="k", VONAGE_API_SECRET="s",
                                 VONAGE_SIGNATURE_SECRET="x"))
    app.test_client_class = conftest.IsolatedClient
    yield app
    with app.app_context():
        db.engine.dispose()


SANDBOX = [key for key in ACCESS if key[1].startswith("/sandbox/")]


@pytest.mark.parametrize("key", SANDBOX, ids=[f"{m} {r}" for m, r in SANDBOX])
@pytest.mark.parametrize("column", ["anonymous", "operator", "admin"])
def test_the_sandbox_phone_is_404_with_the_real_provider(vonage_app, world, key, column):
    before = fingerprint()
    assert send(vonage_app, world, key, column).status_code == 404
    assert fingerprint() == before


LOGGED_OUT = [key for key, row in ACCESS.items() if row[0] in REFUSALS]


@pytest.mark.parametrize("key", LOGGED_OUT, ids=[f"{m} {r}" for m, r in LOGGED_OUT])
def test_a_deactivated_user_is_a_stranger(access_app, world, key):
    """A session and a token of a user deactivated since get what the anonymous get."""
    before = fingerprint()
    check_answer(send(access_app, world, key, "retired"), ACCESS[key][0])
    assert fingerprint() == before


API = [key for key in LOGGED_OUT if key[1].startswith("/api/")]


@pytest.mark.parametrize("key", API, ids=[f"{m} {r}" for m, r in API])
def test_a_revoked_token_is_401(access_app, world, key):
    before = fingerprint()
    assert send(access_app, world, key, "revoked").status_code == 401
    assert fingerprint() == before
