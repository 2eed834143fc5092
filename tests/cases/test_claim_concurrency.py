"""Many operators pressing "Next case" at the same moment on PostgreSQL never share a case."""

import threading
from datetime import timedelta

from sqlalchemy import func, select

from app.calls.claims import claim_next
from app.cases.models import Case
from app.extensions import db
from tests import factories as f

NOW = f.WORKDAY_MORNING
THREADS = 16
CASES = 50


def _run_claimers(app, user_ids, work):
    barrier = threading.Barrier(len(user_ids))
    results: dict[int, list[int]] = {}
    errors: list[BaseException] = []

    def claimer(user_id):
        with app.app_context():  # its own context, session and connection
            try:
                barrier.wait()
                results[user_id] = work(user_id)
            except BaseException as exc:  # reported by the test thread
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=claimer, args=(uid,)) for uid in user_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    return results


def _operators_and_cases(app):
    dept = f.department("TAX")
    ops = [f.user(f"op{n}", "operator", dept) for n in range(THREADS)]
    for n in range(CASES):
        f.case(dept, priority=n % 7)
    user_ids = [op.id for op in ops]
    db.session.remove()  # the test's own session holds no connection during the race
    return user_ids


def _claim_once(user_id):
    from app.auth.models import User

    user = db.session.get(User, user_id)
    case = claim_next(user, NOW, 15)
    db.session.commit()
    return [case.id] if case else []


def test_simultaneous_claims_are_all_distinct(app):
    user_ids = _operators_and_cases(app)
    results = _run_claimers(app, user_ids, _claim_once)
    claimed = [cid for ids in results.values() for cid in ids]
    assert len(claimed) == THREADS
    assert len(set(claimed)) == THREADS


def _claim_until_empty(user_id):
    """Claim, "work" the case (next action in an hour, like a logged call), claim again."""
    from app.auth.models import User

    user = db.session.get(User, user_id)
    got = []
    while True:
        case = claim_next(user, NOW, 15)
        if case is None:
            db.session.commit()
            return got
        got.append(case.id)
        case.next_action_at = NOW + timedelta(hours=1)
        db.session.commit()


def test_claimers_drain_the_queue_without_sharing_a_case(app):
    user_ids = _operators_and_cases(app)
    results = _run_claimers(app, user_ids, _claim_until_empty)
    claimed = [cid for ids in results.values() for cid in ids]
    assert sorted(claimed) == sorted(set(claimed))
    assert len(claimed) == CASES
    assert sum(1 for ids in results.values() if ids) > 1  # the work really was shared
    assert db.session.scalar(select(func.count()).where(Case.next_action_at.is_(None))) == 0
