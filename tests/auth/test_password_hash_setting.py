"""PASSWORD_HASH_METHOD: cheap hashes for the tests, never for a server."""

import pytest

from app import create_app
from app.auth.passwords import WeakPasswordHashError, is_strong
from app.auth.services import authenticate
from app.extensions import db
from tests import factories as f
from tests.conftest import test_config as config_for_tests


def test_the_tests_hash_cheaply_and_the_login_still_checks_the_password(app):
    op = f.user("op1", "operator", f.department("TAX"))
    assert op.password_hash.startswith("pbkdf2:sha256:1$")
    assert authenticate("op1", f.PASSWORD, f.WORKDAY_MORNING) == op
    assert authenticate("op1", "wrong-password", f.WORKDAY_MORNING) is None


@pytest.mark.parametrize("method", ["pbkdf2:sha256:1", "scrypt:1024:8:1", "pbkdf2:sha256:599999",
                                    "pbkdf2:md5", "plain", "scrypt:x:y:z"])
def test_a_server_refuses_a_cheap_or_unknown_method(method):
    with pytest.raises(WeakPasswordHashError, match="PASSWORD_HASH_METHOD"):
        create_app(config_for_tests(TESTING=False, PASSWORD_HASH_METHOD=method))


def test_the_environment_sets_the_method_and_a_cheap_one_stops_the_server(monkeypatch):
    monkeypatch.setenv("PASSWORD_HASH_METHOD", "pbkdf2:sha256:1")
    with pytest.raises(WeakPasswordHashError):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_a_server_hashes_with_scrypt_by_default(monkeypatch, _schema):
    monkeypatch.delenv("PASSWORD_HASH_METHOD", raising=False)
    config = config_for_tests(TESTING=False)
    del config["PASSWORD_HASH_METHOD"]
    server = create_app(config)
    assert server.config["PASSWORD_HASH_METHOD"] == "scrypt"
    with server.app_context():
        from app.auth.passwords import hash_password

        assert hash_password("correct-horse-battery").startswith("scrypt:32768:8:1$")
        db.engine.dispose()


@pytest.mark.parametrize("method", ["scrypt", "scrypt:32768:8:1", "scrypt:65536:8:1", "pbkdf2",
                                    "pbkdf2:sha256", "pbkdf2:sha256:600000", "pbkdf2:sha512:1000000"])
def test_strong_methods_are_accepted(method):
    assert is_strong(method)
    create_app(config_for_tests(TESTING=False, PASSWORD_HASH_METHOD=method, SQLALCHEMY_DATABASE_URI="sqlite://"))
