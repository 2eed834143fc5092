"""Departments, users, roles and API tokens."""

from datetime import datetime, time
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import UTCDateTime
from app.extensions import db


class Role(StrEnum):
    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"
    ADMIN = "admin"


class Department(db.Model):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    sender_id: Mapped[str] = mapped_column(String(15))
    callback_phone: Mapped[str] = mapped_column(String(32))
    calling_start: Mapped[time] = mapped_column(Time, default=time(9, 0))
    calling_end: Mapped[time] = mapped_column(Time, default=time(20, 0))
    sms_start: Mapped[time] = mapped_column(Time, default=time(9, 0))
    sms_end: Mapped[time] = mapped_column(Time, default=time(20, 0))
    # Comma-separated: mon..sun, "holidays" (Japanese public holidays) and "year_end"
    # (12/29-1/3); "" means none.
    rest_days: Mapped[str] = mapped_column(String(64), default="sat,sun,holidays,year_end")
    # The department's own closure dates, comma-separated ISO dates (e.g. お盆 2026-08-13).
    closures: Mapped[str] = mapped_column(Text, default="", server_default="")
    max_calls_per_day: Mapped[int] = mapped_column(default=3)
    max_calls_per_week: Mapped[int] = mapped_column(default=7)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def rest_calendar(self) -> str:
        """Rest-day words and closure dates in one list, as app.auth.calendar reads them."""
        return ",".join(filter(None, (self.rest_days, self.closures)))

    def __repr__(self) -> str:
        return f"<Department {self.code}>"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    department: Mapped[Department | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login: a deactivated user cannot log in
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.login}>"


class ApiToken(db.Model):
    """An integration's bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class LoginFailure(db.Model):
    """A failed login from one client address (IPv6 by its /64), for the per-address limit.
    Rows older than the limit's window are deleted as new failures come in."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_address_at", "address", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
