"""Accounts: creating users, checking passwords with lock-out, API tokens."""

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.audit.services import record
from app.auth.models import ApiToken, Department, Role, User
from app.auth.passwords import hash_password, verify_nobody, verify_password
from app.extensions import db


class AccountError(ValueError):
    """A request about an account that cannot be carried out, with a message for the user."""


def create_user(
    login: str, role: str, password: str, department: Department | None, now: datetime,
    actor: User | None = None, display_name: str = "",
) -> User:
    """Create a user; admins and managers may have no department, others must have one."""
    if role not in set(Role):
        raise AccountError(f"unknown role {role!r}; use one of {', '.join(Role)}")
    if role in (Role.OPERATOR, Role.SUPERVISOR) and department is None:
        raise AccountError(f"a {role} must belong to a department (--department CODE)")
    if role == Role.ADMIN and department is not None:
        raise AccountError("an admin belongs to no department")
    if len(password) < 8:
        raise AccountError("the password must have at least 8 characters")
    if db.session.scalar(select(User.id).where(User.login == login)) is not None:
        raise AccountError(f"login {login!r} is taken")
    user = User(
        login=login, role=role, department=department, display_name=display_name or login,
        password_hash=hash_password(password), created_at=now,
    )
    db.session.add(user)
    db.session.flush()
    record(actor, "user.create", "user", user.id, now, login=login, role=role)
    return user


def authenticate(login: str, password: str, now: datetime) -> User | None:
    """Return the user when the password is right and the account is neither locked nor inactive.

    Every failure counts; after LOGIN_MAX_FAILURES in a row the account is locked for
    LOGIN_LOCK_MINUTES (even the right password is then refused). The caller commits.
    """
    user = db.session.scalar(select(User).where(User.login == login))
    if user is None:
        # Same work as a real check, so timing does not reveal which logins exist.
        verify_nobody(password)
        return None
    if is_locked(user, now) or not user.active:
        return None
    if verify_password(user.password_hash, password):
        user.failed_logins = 0
        user.locked_until = None
        record(user, "user.login", "user", user.id, now)
        return user
    user.failed_logins += 1
    if user.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
        user.locked_until = now + timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
        user.failed_logins = 0
        record(None, "user.locked", "user", user.id, now)
    return None


def is_locked(user: User, now: datetime) -> bool:
    return user.locked_until is not None and user.locked_until > now


LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, now: datetime, actor: User | None = None) -> str:
    """Create an API token for `user`; the plain token is returned once and never stored."""
    token = "cc_" + secrets.token_urlsafe(32)
    row = ApiToken(user=user, token_hash=token_digest(token), prefix=token[:10], created_at=now)
    db.session.add(row)
    db.session.flush()
    record(actor, "token.create", "user", user.id, now, token_id=row.id, prefix=row.prefix)
    return token


def user_for_token(token: str, now: datetime) -> User | None:
    row = db.session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == token_digest(token), ApiToken.revoked_at.is_(None)
        )
    )
    if row is None or not row.user.active:
        return None
    # Recorded to the minute, not per request: an API read must not become a write every time.
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        row.last_used_at = now
    return row.user


def revoke_token(prefix: str, now: datetime, actor: User | None = None) -> int:
    rows = db.session.scalars(
        select(ApiToken).where(ApiToken.prefix == prefix, ApiToken.revoked_at.is_(None))
    ).all()
    for row in rows:
        row.revoked_at = now
        record(actor, "token.revoke", "user", row.user_id, now, token_id=row.id)
    return len(rows)
