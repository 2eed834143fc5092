"""Password hashes: PASSWORD_HASH_METHOD (default werkzeug's scrypt, n=2^15) for new hashes;
a stored hash is always checked with the method written in it.

Tests set a cheap method (`pbkdf2:sha256:1`) so that a user costs microseconds instead of a
tenth of a second; `init_app` refuses a cheap or unknown method unless TESTING is on, so a
production deployment cannot be started with one by mistake.
"""

from functools import cache

from flask import Flask, current_app
from werkzeug.security import check_password_hash, generate_password_hash

DEFAULT_METHOD = "scrypt"
# The least work a production hash may have: werkzeug's scrypt default (n=2^15, r=8, p=1), or
# PBKDF2-SHA256 at OWASP's 2023 figure (600,000 iterations; werkzeug's default is 1,000,000).
MIN_SCRYPT_N, MIN_SCRYPT_R = 2**15, 8
MIN_PBKDF2_ITERATIONS = 600_000


class WeakPasswordHashError(RuntimeError):
    """PASSWORD_HASH_METHOD names a method too cheap (or unknown) for a server that is not a test."""


def is_strong(method: str) -> bool:
    """True when `method` (werkzeug's syntax, e.g. `scrypt`, `scrypt:32768:8:1`,
    `pbkdf2:sha256:600000`) costs at least the minimums above."""
    name, *args = method.split(":")
    try:
        if name == "scrypt":
            n, r, _p = map(int, args) if args else (MIN_SCRYPT_N, MIN_SCRYPT_R, 1)
            return n >= MIN_SCRYPT_N and r >= MIN_SCRYPT_R
        if name == "pbkdf2":
            if len(args) > 2 or (args and args[0] not in ("sha256", "sha512")):
                return False
            return len(args) < 2 or int(args[1]) >= MIN_PBKDF2_ITERATIONS
    except ValueError:
        return False
    return False


def init_app(app: Flask) -> None:
    """Check PASSWORD_HASH_METHOD once, at start-up: a cheap one only with TESTING."""
    method = app.config.setdefault("PASSWORD_HASH_METHOD", DEFAULT_METHOD)
    if not app.config.get("TESTING") and not is_strong(method):
        raise WeakPasswordHashError(
            f"PASSWORD_HASH_METHOD={method!r} is too cheap for a server (it is meant for tests, "
            f"with TESTING on); use {DEFAULT_METHOD!r} or pbkdf2:sha256 with at least "
            f"{MIN_PBKDF2_ITERATIONS} iterations")


def hash_password(password: str) -> str:
    """A new salted hash of `password` with the configured method."""
    return generate_password_hash(password, current_app.config["PASSWORD_HASH_METHOD"])


def verify_password(stored_hash: str, password: str) -> bool:
    """True when `password` matches `stored_hash` (checked with the method written in it)."""
    return check_password_hash(stored_hash, password)


def verify_nobody(password: str) -> None:
    """The work of a real check, for a login that does not exist (the timing must not tell)."""
    check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash("not-a-real-password", method)
