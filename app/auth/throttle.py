"""Failed logins counted per client address, in the database, so every app server sees them.

Together with the per-account lock-out (LOGIN_MAX_FAILURES) this slows down an attacker who
tries many logins from one address: after LOGIN_MAX_FAILURES_PER_ADDRESS failures within
LOGIN_ADDRESS_WINDOW_MINUTES, that address may not try again until its oldest failure ages out.
"""

import ipaddress
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from app.auth.models import LoginFailure
from app.extensions import db


def address_key(remote_addr: str | None) -> str:
    """The bucket of a client address: IPv4 as is, IPv6 by its /64 (one subscriber's block)."""
    try:
        ip = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        return (remote_addr or "unknown")[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _window() -> timedelta:
    return timedelta(minutes=current_app.config["LOGIN_ADDRESS_WINDOW_MINUTES"])


def address_blocked(address: str, now: datetime) -> bool:
    """True when `address` has used up its failed logins in the current window."""
    limit = current_app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    if limit <= 0:  # 0 turns the limit off
        return False
    failures = db.session.scalar(select(func.count()).select_from(LoginFailure).where(
        LoginFailure.address == address, LoginFailure.at > now - _window()))
    return failures >= limit


def record_failure(address: str, now: datetime) -> None:
    """Count a failed login from `address` and forget failures older than the window (the
    caller commits)."""
    db.session.execute(delete(LoginFailure).where(LoginFailure.at <= now - _window()))
    db.session.add(LoginFailure(address=address, at=now))
