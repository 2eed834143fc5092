"""Failed logins limited per client address (any account), in the database, next to the
per-account lock-out: a clear message and 429, the password not even checked."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import clock
from app.auth.models import LoginFailure
from app.auth.throttle import address_key
from app.extensions import db
from tests import factories as f

LIMIT = 4


@pytest.fixture
def limited(app, monkeypatch):
    app.config.update(LOGIN_MAX_FAILURES_PER_ADDRESS=LIMIT, LOGIN_MAX_FAILURES=100)
    now = {"t": f.WORKDAY_MORNING}
    monkeypatch.setattr(clock, "utcnow", lambda: now["t"])
    return now


def attempt(client, login: str, password: str, address: str = "203.0.113.7"):
    environ = {"REMOTE_ADDR": address, "HTTP_ACCEPT_LANGUAGE": "en"}
    page = client.get("/login", environ_base=environ)
    token = f.csrf_from(page.get_data(as_text=True))
    return client.post("/login", data={"login": login, "password": password, "csrf_token": token},
                       environ_base=environ)


def test_too_many_failures_from_one_address_refuse_every_account(client, limited):
    f.user("alice", "admin")
    for n in range(LIMIT):  # different logins, unknown ones too: all count for the address
        assert attempt(client, f"guess{n}", "wrong-password").status_code == 200
    response = attempt(client, "alice", f.PASSWORD)  # even the right password
    assert response.status_code == 429
    assert "Too many failed logins" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not logged in
    # Another address is not affected.
    assert attempt(client, "alice", f.PASSWORD, address="198.51.100.9").status_code == 302


def test_the_limit_lifts_when_the_window_has_passed(client, limited, app):
    f.user("alice", "admin")
    for _ in range(LIMIT):
        attempt(client, "alice", "wrong-password")
    assert attempt(client, "alice", f.PASSWORD).status_code == 429
    limited["t"] += timedelta(minutes=app.config["LOGIN_ADDRESS_WINDOW_MINUTES"], seconds=1)
    assert attempt(client, "alice", f.PASSWORD).status_code == 302


def test_refused_attempts_are_not_stored_and_old_ones_are_deleted(client, limited, app):
    f.user("alice", "admin")
    for _ in range(LIMIT + 3):
        attempt(client, "alice", "wrong-password")
    count = select(func.count()).select_from(LoginFailure)
    assert db.session.scalar(count) == LIMIT  # blocked attempts add no rows
    limited["t"] += timedelta(hours=1)
    attempt(client, "bob", "wrong-password", address="198.51.100.9")
    assert db.session.scalar(count) == 1  # the old ones went


def test_limit_is_shared_across_app_servers(client, limited, app):
    """Two app processes share nothing but the database: the second sees the first's failures."""
    from app import create_app
    from tests.conftest import test_config

    other = create_app(test_config(LOGIN_MAX_FAILURES_PER_ADDRESS=LIMIT))
    f.user("alice", "admin")
    for _ in range(LIMIT):
        attempt(client, "alice", "wrong-password")
    with other.app_context():
        response = attempt(other.test_client(), "alice", f.PASSWORD)
        db.session.remove()
        db.engine.dispose()
    assert response.status_code == 429


def test_addresses_are_bucketed():
    assert address_key("203.0.113.7") == "203.0.113.7"
    assert address_key("::ffff:203.0.113.7") == "203.0.113.7"
    assert address_key("2001:db8:1:2:3:4:5:6") == address_key("2001:db8:1:2:ffff::1") == "2001:db8:1:2::/64"
    assert address_key(None) == "unknown"


def test_zero_turns_the_limit_off(client, limited, app):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 0
    f.user("alice", "admin")
    for _ in range(LIMIT + 1):
        attempt(client, "alice", "wrong-password")
    assert attempt(client, "alice", f.PASSWORD).status_code == 302
