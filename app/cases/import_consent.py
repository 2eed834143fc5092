"""The consent part of a case import (issue 10): a row's consent is its own department's.

Kept apart from the upsert of taxpayers, cases, charges and phones (app.cases.importing) so
either can change alone: it runs after the chunk's phones are written and needs only the
chunk's rows and its taxpayers' ids.
"""

from collections import Counter
from datetime import datetime

from sqlalchemy import select

from app.cases.bulk_write import in_ as _in
from app.cases.bulk_write import insert_rows, update_rows
from app.cases.csv_rows import ImportRow
from app.cases.models import ConsentSource, PhoneConsent
from app.extensions import db

_COLUMNS = ("consent", "consent_on", "consent_source", "consent_recorded_at")


def write_import_consent(counts: Counter, rows: list[tuple[ImportRow, int]],
                         phone_ids: dict[tuple[str, str], int], now: datetime,
                         new_phones=frozenset()) -> None:
    """Set the consent of the rows' phones for each row's own department only (another
    department's consent is never touched): a few statements per chunk, writing only what
    changes. A bare "yes" keeps a known consent date; the source is `import`; a "no" for a
    phone the department has no row for writes nothing (no row means no consent).

    `phone_ids`: (taxpayer_ref, E.164) -> id of every phone the rows name; `new_phones`: the ids
    of those the chunk created (they have no consent stored yet: not looked up)."""
    if not rows:
        return
    ids = phone_ids
    # (phone, department) -> (consent, consent_on, bare): the file's last word, but a bare "yes"
    # keeps a date an earlier line (or the stored row) gave.
    wanted: dict[tuple[int, int], tuple[bool, object, bool]] = {}
    for row, dept_id in rows:
        bare = row.consent and row.consent_on is None
        for _position, e164, _kind in row.phones:
            key = (ids[(row.taxpayer_ref, e164)], dept_id)
            earlier = wanted.get(key)
            if bare and earlier is not None and earlier[0]:
                wanted[key] = (True, earlier[1], earlier[2])
            else:
                wanted[key] = (row.consent, row.consent_on, bare)
    if not wanted:
        return
    c = PhoneConsent.__table__.c
    known = {k[0] for k in wanted} - new_phones
    stored = {(r.phone_id, r.department_id): r for r in db.session.execute(
        select(c.id, c.phone_id, c.department_id, c.consent, c.consent_on)
        .where(_in(c.phone_id, known), c.department_id.is_not(None)))} if known else {}
    new: list[dict] = []
    changed: dict[int, dict] = {}
    for (phone_id, dept_id), (given, given_on, bare) in wanted.items():
        old = stored.get((phone_id, dept_id))
        keep_on = old is not None and bare and old.consent
        values = {"consent": given, "consent_on": old.consent_on if keep_on else given_on,
                  "consent_source": str(ConsentSource.IMPORT), "consent_recorded_at": now}
        if old is None:
            if given:
                new.append({"phone_id": phone_id, "department_id": dept_id, "opted_out": False, **values})
        elif (old.consent, old.consent_on) != (values["consent"], values["consent_on"]):
            changed[old.id] = values
    insert_rows(PhoneConsent.__table__, new)
    update_rows(PhoneConsent.__table__, changed, _COLUMNS)
    counts["consents_set"] += len(new) + len(changed)
