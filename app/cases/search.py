"""Finding a case from what a caller reads out: a phone number, a reference, or a name.

Each kind of match is its own sub-query, so each can use its index (E.164, the unique
references, the trigram index on the folded name) and their union is then scoped.
"""

import re

from sqlalchemy import select, union

from app.auth.access import can_see_department, scope_cases
from app.cases.models import Case, Phone, Taxpayer
from app.cases.phones import PhoneError, parse_phone
from app.cases.search_keys import fold
from app.extensions import db

MAX_RESULTS = 50
# A common surname matches thousands of taxpayers: stop collecting name matches here, so the
# scan ends early instead of reading and sorting every match (the page says "be more specific").
MAX_NAME_MATCHES = 500


def phone_candidates(q: str) -> set[str]:
    """The E.164 forms `q` may mean: '090-1234-5678', '09012345678' and '+81 90 1234 5678'
    all give '+819012345678'; digits typed without a '+' are also tried as E.164."""
    found = set()
    digits = re.sub(r"\D", "", q)
    for text in {q, digits, f"+{digits}"}:
        if not text.strip("+"):
            continue
        try:
            found.add(parse_phone(text)[0])
        except PhoneError:
            pass
    if len(digits) >= 8:
        found.add(f"+{digits}")
    return found


def _ref_variants(q: str) -> list[str]:
    # Refs are matched case-insensitively through their common spellings, so the unique
    # indexes on case_ref/taxpayer_ref still serve the lookup.
    return sorted({q, q.upper(), q.lower(), q.capitalize()})


def matching_case_ids(q: str):
    """A UNION select of the ids of cases matching `q` (unscoped)."""
    refs = _ref_variants(q)
    branches = [
        select(Case.id).where(Case.case_ref.in_(refs)),
        select(Case.id).join(Taxpayer, Taxpayer.id == Case.taxpayer_id)
        .where(Taxpayer.taxpayer_ref.in_(refs)),
    ]
    phones = phone_candidates(q)
    if phones:
        owners = select(Phone.taxpayer_id).where(Phone.e164.in_(sorted(phones)))
        branches.append(select(Case.id).where(Case.taxpayer_id.in_(owners)))
    key = fold(q)
    if key:
        by_name = (
            select(Case.id).join(Taxpayer, Taxpayer.id == Case.taxpayer_id)
            .where(Taxpayer.search_key.contains(key, autoescape=True))
            .limit(MAX_NAME_MATCHES)
            .subquery()
        )
        branches.append(select(by_name.c.id))
    return union(*branches)


def search_cases(q: str, user, limit: int = MAX_RESULTS) -> list[Case]:
    """Cases matching `q` that `user` may see, at most `limit`, by case reference."""
    q = (q or "").strip()
    if not q:
        return []
    ids = matching_case_ids(q).subquery()
    stmt = select(Case).where(Case.id.in_(select(ids.c.id))).order_by(Case.case_ref).limit(limit)
    return list(db.session.scalars(scope_cases(stmt, user, Case)))


def visible_case(case_id: int, user) -> Case | None:
    """The case if it exists and `user` may see it (its department, or any for managers/admins)."""
    case = db.session.get(Case, case_id)
    if case is None or not can_see_department(user, case.department_id):
        return None
    return case
