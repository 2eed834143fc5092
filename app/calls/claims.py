"""The claim queue: "Next case" gives an operator the best workable case of their department.

A case is workable when it is open, not claimed by someone else (a claim expires at
`claimed_until`), its next-action time has come, its department is inside calling hours,
it is under the attempt caps (outbound calls since local midnight and in the last 7 days),
and its taxpayer has at least one usable phone that has not opted out. The queue order is
callback requests first (a reply asked for a call: oldest request first), then broken
promises, then priority, then id.

The queue is two streams, each with a partial index in queue order: never-worked cases
(next_action_at IS NULL, ix_cases_queue_fresh) and worked ones (next_action_at set,
ix_cases_queue_due, where next_action_at is also a key column). One index over both made
every case worked today (next action still ahead) a row to fetch and reject at the head of
the queue: 20 ms a claim after 7,000 of them, growing with the day's work. Now the fresh
stream never sees them, and the due stream rejects them inside the index (`next_action_at
<= now` is an index condition), about 100 index pages for 20,000 of them.

On PostgreSQL the claim is one UPDATE whose target is the better of two candidates, each
chosen by a `SELECT ... LIMIT 1 FOR UPDATE SKIP LOCKED` on its stream: concurrent operators
skip each other's rows and never get the same case. The losing candidate stays locked until
the claim commits (others skip it meanwhile; it is not claimed). SQLite (the zero-setup
demo) has no row locks: there the claim is a conditional UPDATE retried a few times.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext
from sqlalchemy import exists, func, literal_column, or_, select, union_all, update

from app.audit.services import record
from app.auth.calendar import is_allowed, is_rest_day, local_day_start
from app.auth.models import Department, User
from app.calls.models import CallAttempt, CallDirection
from app.cases.consent import opted_out_clause
from app.cases.models import Case, CaseStatus, Phone
from app.extensions import db
from app.sql import is_postgres

SQLITE_RETRIES = 5

OUTSIDE_HOURS = "outside calling hours"
REST_DAY = "rest day"
NO_WORKABLE_CASES = "no workable cases"
# Marked for translation: templates show a reason with _(reason), the English text is the msgid.
REASON_TEXTS = {
    OUTSIDE_HOURS: lazy_gettext("outside calling hours"),
    REST_DAY: lazy_gettext("rest day"),
    NO_WORKABLE_CASES: lazy_gettext("no workable cases"),
}


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def in_calling_hours(department: Department, now: datetime) -> bool:
    """True when the department may call at `now` (its hours, rest days and holidays)."""
    return is_allowed(
        now, department.calling_start, department.calling_end, department.rest_calendar, _zone()
    )


def _attempts_since(since: datetime):
    """Outbound call attempts of the outer query's case since `since` (a correlated subquery)."""
    return (
        select(func.count())
        .select_from(CallAttempt)
        .where(
            CallAttempt.case_id == Case.id,
            CallAttempt.direction == CallDirection.OUTBOUND,
            CallAttempt.at >= since,
        )
        .scalar_subquery()
    )


FRESH = "fresh"  # never worked: next_action_at IS NULL
DUE = "due"  # worked, and its next action has come: next_action_at <= now


def _workable(
    department: Department, now: datetime, user_id: int | None = None, stream: str | None = None
) -> list:
    """The WHERE conditions of a workable case; a case claimed by `user_id` counts as free.

    With `stream` (FRESH or DUE), only that stream's cases, written so that the planner
    matches the stream's partial index.
    """
    free = [Case.claimed_until.is_(None), Case.claimed_until < now]
    if user_id is not None:
        free.append(Case.claimed_by_id == user_id)
    has_phone = exists().where(
        Phone.taxpayer_id == Case.taxpayer_id, Phone.usable.is_(True),
        ~opted_out_clause(Phone.id, Case.department_id),
    )
    return [
        Case.department_id == department.id,
        # A literal, not a bound parameter: the planner must see status = 'open' to use the
        # partial index even in a generic (prepared) plan.
        Case.status == literal_column(f"'{CaseStatus.OPEN}'"),
        or_(*free),
        {
            None: or_(Case.next_action_at.is_(None), Case.next_action_at <= now),
            FRESH: Case.next_action_at.is_(None),
            DUE: Case.next_action_at.is_not(None) & (Case.next_action_at <= now),
        }[stream],
        _attempts_since(local_day_start(now, _zone())) < department.max_calls_per_day,
        _attempts_since(now - timedelta(days=7)) < department.max_calls_per_week,
        has_phone,
    ]


QUEUE_ORDER = (Case.promise_broken.desc(), Case.priority.desc(), Case.id)


def _candidates(department: Department, now: datetime, user_id: int | None = None,
                stream: str | None = None):
    """Workable case ids in queue order (of both streams, or of `stream`)."""
    return select(Case.id).where(*_workable(department, now, user_id, stream)).order_by(*QUEUE_ORDER)


def current_claim(user: User, now: datetime) -> Case | None:
    """The case `user` holds now, if any (claims are one at a time)."""
    stmt = select(Case).where(Case.claimed_by_id == user.id, Case.claimed_until > now).limit(1)
    return db.session.scalar(stmt)


def release_claims_of(user: User) -> None:
    """Drop every claim `user` holds (before a new claim: one case at a time)."""
    db.session.execute(
        update(Case)
        .where(Case.claimed_by_id == user.id)
        .values(claimed_by_id=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )


def claim_next(user: User, now: datetime, claim_minutes: int) -> Case | None:
    """Claim the best workable case of `user`'s department until now + claim_minutes.

    Releases the user's previous claim first. Returns the claimed case, or None when
    nothing is workable (see why_nothing for the reason). Flushes; the caller commits.
    """
    department = user.department
    if department is None or not in_calling_hours(department, now):
        return None
    release_claims_of(user)
    until = now + timedelta(minutes=claim_minutes)
    case_id = _claim_callback(user, department, now, until)
    if case_id is None and is_postgres():
        case_id = _claim_skip_locked(user, department, now, until)
    elif case_id is None:
        case_id = _claim_conditional(user, department, now, until)
    if case_id is None:
        return None
    record(user, "case.claim", "case", case_id, now, until=until.isoformat())
    db.session.flush()
    return db.session.get(Case, case_id, populate_existing=True)


def _claim_callback(user, department, now, until) -> int | None:
    """The head of the queue: a workable case whose taxpayer asked to be called back (a reply),
    oldest request first (ix_cases_callback); None when there is none."""
    candidate = (select(Case.id).where(*_workable(department, now, user.id),
                                       Case.callback_requested_at.is_not(None))
                 .order_by(Case.callback_requested_at, Case.id).limit(1))
    if is_postgres():
        target = candidate.with_for_update(skip_locked=True).correlate(None).scalar_subquery()
    else:
        target = db.session.scalar(candidate)
        if target is None:
            return None
    stmt = (update(Case).where(Case.id == target, or_(Case.claimed_by_id.is_(None), Case.claimed_until < now,
                                                      Case.claimed_by_id == user.id))
            .values(claimed_by_id=user.id, claimed_until=until, updated_at=now)
            .returning(Case.id).execution_options(synchronize_session=False))
    return db.session.execute(stmt).scalar()


def _claim_skip_locked(user, department, now, until) -> int | None:
    """One statement: UPDATE cases ... WHERE id = (the better of two locked candidates).

    Each stream gives its first workable row it can lock (LIMIT 1 FOR UPDATE SKIP LOCKED,
    wrapped in a subquery: PostgreSQL refuses FOR UPDATE directly under UNION); the outer
    query only sorts those two rows. The lock is taken, and the row rechecked, inside each
    branch, so a row another operator holds or has just claimed is skipped there.
    """
    branches = []
    for stream in (FRESH, DUE):
        locked = (
            select(Case.id, Case.promise_broken, Case.priority)
            .where(*_workable(department, now, user.id, stream))
            .order_by(*QUEUE_ORDER)
            .limit(1)
            .with_for_update(skip_locked=True)
            .subquery(stream)
        )
        branches.append(select(locked))
    both = union_all(*branches).subquery("candidates")
    target = (
        select(both.c.id)
        .order_by(both.c.promise_broken.desc(), both.c.priority.desc(), both.c.id)
        .limit(1)
        .correlate(None)  # the subquery reads cases itself, it is not tied to the UPDATE's row
        .scalar_subquery()
    )
    stmt = (
        update(Case)
        .where(Case.id == target)
        .values(claimed_by_id=user.id, claimed_until=until, updated_at=now)
        .returning(Case.id)
        .execution_options(synchronize_session=False)
    )
    return db.session.execute(stmt).scalar()


def _claim_conditional(user, department, now, until) -> int | None:
    """SQLite: pick a candidate, then claim it only if nobody claimed it meanwhile."""
    for _ in range(SQLITE_RETRIES):
        case_id = db.session.scalar(_candidates(department, now, user.id).limit(1))
        if case_id is None:
            return None
        result = db.session.execute(
            update(Case)
            .where(
                Case.id == case_id,
                or_(Case.claimed_by_id.is_(None), Case.claimed_until < now),
            )
            .values(claimed_by_id=user.id, claimed_until=until, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            return case_id
    return None


def workable_count(department: Department, now: datetime, cap: int | None = None) -> int:
    """How many cases the queue could offer now (0 outside calling hours).

    Cases claimed by anyone are not counted. With `cap`, counting stops at `cap` (a home
    page showing "1000+" need not count a million rows on every load).
    """
    if not in_calling_hours(department, now):
        return 0
    total = 0
    for stream in (FRESH, DUE):  # one count per stream, each on its own partial index
        ids = _candidates(department, now, stream=stream).order_by(None)
        if cap is not None:
            ids = ids.limit(cap - total)
        total += db.session.scalar(select(func.count()).select_from(ids.subquery())) or 0
        if cap is not None and total >= cap:
            break
    return total


def why_nothing(department: Department | None, now: datetime) -> str:
    """Why the queue offers nothing: "rest day", "outside calling hours" or "no workable cases".

    Pure (no database): it only looks at the department's calendar. The English text is
    also the translation msgid (see REASON_TEXTS).
    """
    if department is None:
        return NO_WORKABLE_CASES
    zone = _zone()
    if is_rest_day(now.astimezone(zone).date(), department.rest_calendar):
        return REST_DAY
    if not in_calling_hours(department, now):
        return OUTSIDE_HOURS
    return NO_WORKABLE_CASES
