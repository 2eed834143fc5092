"""Contact caps per person: at most SMS_MAX_PER_NUMBER_PER_DAY messages to one E.164 number a
local day and SMS_MAX_PER_NUMBER_PER_WEEK in any 7 days, across ALL departments.

Every message counts for the local day it is planned to go out (`SmsMessage.cap_day`). A
message that would go over the daily cap is scheduled for the next day that has room; over
the weekly cap it is suppressed (`recipient_cap`). A reminder the citizen agreed to (the
promise-due reminder) and an acknowledgement of the citizen's own reply are exempt from the
daily cap (`daily_cap_exempt`) but count for the weekly one.

Race-safe: the decision is taken under a PostgreSQL advisory lock per number held until the
transaction commits, so ten concurrent transactions texting one number count each other's
messages. The weekly count looks 6 days both ways, so no 7-day window ever holds more than
the cap, whatever order the messages were planned in.
"""

from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import func, select, text

from app import clock
from app.auth.calendar import next_allowed, overlap
from app.extensions import db
from app.sms.models import SmsMessage, SmsStatus

# Messages that went, or will go, out; a suppressed or failed one contacted nobody.
LIVE = (SmsStatus.QUEUED, SmsStatus.SCHEDULED, SmsStatus.SENDING, SmsStatus.SENT,
        SmsStatus.DELIVERED, SmsStatus.UNKNOWN, SmsStatus.EXPIRED)
REASON = "recipient_cap"  # SuppressReason.RECIPIENT_CAP
SEARCH_DAYS = 7  # how far ahead a message over the daily cap looks for a free day


def local_day(moment: datetime) -> date:
    return moment.astimezone(clock.local_zone()).date()


def lock_number(e164: str) -> None:
    """Serialise cap decisions on one number until this transaction ends (PostgreSQL; the
    SQLite demo serialises every writer anyway)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"sms-cap:{e164}"})


def counts(e164: str, day: date, exclude_id: int | None = None) -> tuple[int, int]:
    """(messages counting for the daily cap on `day`, messages within 6 days of `day`)."""
    base = [SmsMessage.to_e164 == e164, SmsMessage.status.in_(LIVE)]
    if exclude_id is not None:
        base.append(SmsMessage.id != exclude_id)
    daily = db.session.scalar(select(func.count()).where(
        *base, SmsMessage.cap_day == day, SmsMessage.daily_cap_exempt.is_(False)))
    weekly = db.session.scalar(select(func.count()).where(
        *base, SmsMessage.cap_day.between(day - timedelta(days=6), day + timedelta(days=6))))
    return daily, weekly


def planned_moment(dept, moment: datetime) -> datetime:
    """When a message asked for at `moment` can go out: the first moment from then inside the
    department's SMS window (its SMS hours within its calling hours, not on a rest day)."""
    window = overlap((dept.sms_start, dept.sms_end), (dept.calling_start, dept.calling_end))
    if window is None:
        return moment
    return next_allowed(moment, *window, dept.rest_calendar, clock.local_zone()) or moment


def _first_moment(day: date, dept) -> datetime | None:
    """The first moment on or after `day` inside the department's SMS window."""
    window = overlap((dept.sms_start, dept.sms_end), (dept.calling_start, dept.calling_end))
    if window is None:
        return None
    zone = clock.local_zone()
    return next_allowed(datetime.combine(day, time(0), tzinfo=zone), *window, dept.rest_calendar, zone)


def decide(e164: str, planned: datetime, dept, daily_exempt: bool,
           exclude_id: int | None = None) -> tuple[str, date | None, datetime | None]:
    """("ok", day, None), ("later", day, moment) or ("suppress", None, None) for a message to
    `e164` planned for `planned`. Call it under `lock_number`."""
    config = current_app.config
    per_day, per_week = config["SMS_MAX_PER_NUMBER_PER_DAY"], config["SMS_MAX_PER_NUMBER_PER_WEEK"]
    day = local_day(planned)
    daily, weekly = counts(e164, day, exclude_id)
    if weekly >= per_week:
        return "suppress", None, None
    if daily_exempt or daily < per_day:
        return "ok", day, None
    candidate = day
    for _ in range(SEARCH_DAYS):
        moment = _first_moment(candidate + timedelta(days=1), dept)
        if moment is None:
            break
        candidate = local_day(moment)
        daily, weekly = counts(e164, candidate, exclude_id)
        if weekly >= per_week:
            break
        if daily < per_day:
            return "later", candidate, moment
    return "suppress", None, None


def recheck_at_send(message: SmsMessage, now: datetime) -> tuple[str, datetime | None]:
    """Right before sending: a message planned for another day (it waited: a lost job, changed
    hours) is counted again for today, under the number's lock. ("ok", None), ("later", moment)
    or ("suppress", None); the send job acts on it. Updates the message's `cap_day`."""
    if message.cap_day == local_day(now):
        return "ok", None
    lock_number(message.to_e164)
    verdict, day, moment = decide(message.to_e164, now, message.department, message.daily_cap_exempt,
                                  exclude_id=message.id)
    message.cap_day = day or message.cap_day
    return verdict, moment
