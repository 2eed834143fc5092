"""Verified phones: a phone is verified for its taxpayer when an `answered` call on it was
logged with the identity confirmed (本人確認済み) within VERIFIED_PHONE_DAYS. Only a verified
phone receives a personal SMS (one naming the person or the debt)."""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.calls.models import CallAttempt, CallOutcome
from app.extensions import db


def verified_until(phone_id: int | None, now: datetime) -> datetime | None:
    """Until when `phone_id` counts as verified (its last identity-confirmed answered call
    plus VERIFIED_PHONE_DAYS), or None when it is not verified at `now`."""
    if phone_id is None:
        return None
    days = current_app.config["VERIFIED_PHONE_DAYS"]
    last = db.session.scalar(
        select(CallAttempt.at).where(
            CallAttempt.phone_id == phone_id, CallAttempt.outcome == CallOutcome.ANSWERED,
            CallAttempt.identity_verified.is_(True), CallAttempt.at <= now,
            CallAttempt.at > now - timedelta(days=days))
        .order_by(CallAttempt.at.desc()).limit(1))
    return last + timedelta(days=days) if last is not None else None


def phone_verified(phone_id: int | None, now: datetime) -> bool:
    return verified_until(phone_id, now) is not None
