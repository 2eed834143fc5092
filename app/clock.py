"""The one place that reads the wall clock; services take `now` as an argument."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_zone() -> ZoneInfo:
    """The municipality's time zone (TIMEZONE, default Asia/Tokyo)."""
    return ZoneInfo(current_app.config["TIMEZONE"])


def local_date(moment: datetime) -> date:
    """The municipality's calendar day at `moment`."""
    return moment.astimezone(local_zone()).date()
