"""Shared builders for the escalation tests: calls through the real log_call, the test Redis."""

from contextlib import contextmanager
from datetime import timedelta

from redis import Redis
from rq import Queue
from sqlalchemy import func, select

from app.calls.services import log_call
from app.escalation.models import EscalationFiring, EscalationRule
from app.extensions import db
from app.sms.models import SmsMessage
from tests.conftest import TEST_REDIS_URL
from tests.factories import WORKDAY_MORNING

MOBILE = ("+819012345678", "mobile", True)
MOBILE_NO_CONSENT = ("+819012345678", "mobile", False)
FIXED = ("+81312345678", "fixed", True)


def at(hours: float = 0, days: float = 0):
    """A moment after WORKDAY_MORNING."""
    return WORKDAY_MORNING + timedelta(hours=hours, days=days)


def call(case, outcome="no_answer", when=None, phone_index=0, direction="outbound", actor=None):
    """Log one call through the real service and commit, as the call view does."""
    phone = case.taxpayer.phones[phone_index]
    attempt = log_call(case, phone, outcome, direction, None, actor, when or at())
    db.session.commit()
    return attempt


def default_rule(dept) -> EscalationRule:
    """The department's first unanswered-calls rule (Misato's, made with the department)."""
    return db.session.scalar(select(EscalationRule).where(
        EscalationRule.department_id == dept.id, EscalationRule.trigger == "unanswered_calls",
    ).order_by(EscalationRule.id))


def messages(case=None) -> list[SmsMessage]:
    stmt = select(SmsMessage).order_by(SmsMessage.id)
    if case is not None:
        stmt = stmt.where(SmsMessage.case_id == case.id)
    return list(db.session.scalars(stmt))


def firing_count() -> int:
    return db.session.scalar(select(func.count()).select_from(EscalationFiring))


@contextmanager
def sms_queue():
    """The RQ queue "sms" in the test Redis."""
    connection = Redis.from_url(TEST_REDIS_URL)
    try:
        yield Queue("sms", connection=connection)
    finally:
        connection.close()


@contextmanager
def request_context(app, lang="en"):
    """Messages are translated per request: check them inside one (English)."""
    with app.test_request_context(headers={"Accept-Language": lang}):
        yield


def signed_in(app, user):
    """A fresh client (English UI) logged in as `user` through the real form."""
    from tests.conftest import IsolatedClient
    from tests.factories import login

    app.test_client_class = IsolatedClient
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert login(client, user).status_code == 302
    return client


def token_of(client, url):
    """The CSRF token of the page at `url`."""
    from tests.factories import csrf_from

    page = client.get(url)
    assert page.status_code == 200, page.status_code
    return csrf_from(page.get_data(as_text=True))


def audits(action):
    from app.audit.models import AuditEvent

    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                   .order_by(AuditEvent.id)))
