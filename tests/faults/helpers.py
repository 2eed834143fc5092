"""What the fault tests share: operators working the queue through the JSON API, waiting for
workers, and the checks made after every fault (each SMS sent once or marked with a reason, no
case stuck claimed)."""

import time
from collections import Counter
from datetime import datetime, timedelta

from flask import current_app
from rq import Queue, SimpleWorker
from rq.registry import StartedJobRegistry
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app import clock
from app.auth.services import create_token
from app.cases.models import Case, Taxpayer
from app.extensions import db
from app.sms import outbox
from app.sms.models import SmsMessage
from tests import factories as f
from tests import waiting

TEXT = "【税務課】市税のお支払いが確認できておりません。お問い合わせは048-555-0100へ。"


def round_the_clock(code: str = "TAX"):
    """A department that may call and text at any hour (the workers run on the real clock)."""
    return f.department(code, calling_hours="00:00-24:00", sms_hours="00:00-24:00", rest_days="none")


def cases_with_mobiles(dept, count: int, first: int = 0) -> list[int]:
    """`count` open cases, each with its own consented mobile (one commit); their ids."""
    cases = [f.case(dept, phones=((f"+8190{first + n:08d}", "mobile", True),), commit=False)
             for n in range(count)]
    db.session.flush()
    ids = [c.id for c in cases]
    db.session.commit()
    return ids


def queue_one_each(case_ids: list[int]) -> None:
    """One SMS per case through the outbox, in one transaction: the rows, then their send jobs
    after the commit."""
    now = clock.utcnow()
    loaded = select(Case).where(Case.id.in_(case_ids)).options(
        selectinload(Case.taxpayer).selectinload(Taxpayer.phones), selectinload(Case.department))
    for case in db.session.scalars(loaded):
        outbox.queue_sms(case, case.taxpayer.phones[0], TEXT, idempotency_key=f"fault:{case.id}", now=now)
    db.session.commit()


def rq_gives_up_on_dead_workers(connection) -> None:
    """What RQ's own maintenance does, minutes later, with the jobs of killed workers: a started
    job whose heartbeat stopped 90 s ago fails (abandoned), and so does a job still in the
    intermediate queue (taken, never started) at its second look a minute after the first."""
    queue = Queue(outbox.SMS_QUEUE, connection=connection)
    StartedJobRegistry(queue=queue).cleanup(time.time() + 91)
    intermediate = queue.intermediate_queue
    for job_id in intermediate.get_job_ids():
        connection.set(intermediate.get_first_seen_key(job_id), time.time() - 61)
    intermediate.cleanup(SimpleWorker([queue], connection=connection), queue)


def bearer(user, now: datetime) -> dict:
    token = create_token(user, now)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def work_next_case(client, headers: dict, outcomes=("no_answer", "no_answer")) -> list[int]:
    """One operator's turn: "Next case", then a call with each outcome to its mobile (two
    unanswered calls fire the SMS rule). Returns the HTTP statuses, the claim's first."""
    claim = client.post("/api/v1/queue/claim", headers=headers)
    if claim.status_code != 200:
        return [claim.status_code]
    body = claim.get_json()
    phone_id = next(p["id"] for p in body["phones"] if p["kind"] == "mobile")
    codes = [200]
    for outcome in outcomes:
        codes.append(client.post(f"/api/v1/cases/{body['id']}/calls", headers=headers,
                                 json={"phone_id": phone_id, "outcome": outcome}).status_code)
    return codes


def wait_until(predicate, timeout: float, what: str, interval: float = 0.1) -> None:
    """`tests.waiting.wait_until`, saying on a time-out where the messages stopped."""
    waiting.wait_until(predicate, timeout, what, interval,
                       detail=lambda: f"messages: {dict(status_counts())}")


def messages() -> list[SmsMessage]:
    """Every message, read fresh (the workers commit in other processes)."""
    db.session.rollback()
    return list(db.session.scalars(select(SmsMessage).order_by(SmsMessage.id)
                                   .execution_options(populate_existing=True)))


def status_counts() -> Counter:
    """Messages per status (one aggregate query: tests poll this while workers run)."""
    db.session.rollback()
    return Counter(dict(db.session.execute(
        select(SmsMessage.status, func.count()).group_by(SmsMessage.status)).all()))


def assert_each_sent_once(fake, rows: list[SmsMessage], allowed=("sent",)) -> None:
    """The fake took every message exactly once and each ended in one of `allowed`; a message
    in another status must carry a reason (e.g. `unknown`/no_provider_answer) and was taken at
    most once."""
    taken = fake.sent_per_client_ref()
    assert set(taken) <= {m.client_ref for m in rows}, "the fake got a message the app never made"
    assert max(taken.values(), default=1) == 1, [ref for ref, n in taken.items() if n > 1]
    for m in rows:
        if m.status in allowed:
            assert taken[m.client_ref] == 1, (m.id, m.status, "never reached Vonage")
        else:
            assert m.reason or m.error_text, (m.id, m.status, "no reason given")


def assert_no_stuck_claims(now: datetime) -> None:
    """Every claim ends by CLAIM_MINUTES from `now`, and nobody holds two cases."""
    minutes = current_app.config["CLAIM_MINUTES"]
    db.session.rollback()
    claims = db.session.execute(select(Case.claimed_by_id, Case.claimed_until)
                                .where(Case.claimed_until.is_not(None))).all()
    assert all(until <= now + timedelta(minutes=minutes) for _, until in claims), claims
    holders = Counter(user for user, until in claims if until > now)
    assert max(holders.values(), default=1) == 1, holders
