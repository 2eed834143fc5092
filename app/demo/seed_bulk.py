"""Bulk data for the benchmarks: a million cases in PostgreSQL in minutes.

The ORM would take hours, so rows are generated in Python and streamed with psycopg 3's
`COPY ... FROM STDIN`, chunk by chunk (one transaction per chunk). Ids are computed here:
before loading, each table's sequence is advanced past the whole range this load may
use, so a concurrent insert through the ORM can never take one of our ids and any insert
after the load just continues the sequence.

Phone kinds: running phonenumbers on a million numbers costs minutes, and the kind depends
only on the leading digits of our patterns (090/080/070 mobile, 048 fixed). So the kind of
each prefix is asked of phonenumbers once (through parse_phone, like the import does) and
reused; E.164 is formed directly (+81 and the national number without its 0).
Refs are TB<taxpayer id> and <department>-B<case id>, apart from the demo's T<n>.
"""

import random
from collections.abc import Callable
from datetime import datetime

from app.cases.models import CaseStatus
from app.cases.phones import parse_phone
from app.cases.priority import priority_score
from app.cases.search_keys import taxpayer_search_key
from app.clock import local_zone
from app.demo.people import TAX_TYPES, WATER_TYPES, fake_case
from app.demo.seed_demo import DEFAULT_SEED, TAX_SHARE, ensure_departments_and_users
from app.extensions import db

CHUNK = 50_000
# The most rows one case may add to each table (a sequence range is reserved for them).
PER_CASE = {"taxpayers": 1, "cases": 1, "phones": 2, "charges": 3}
COLUMNS = {
    "taxpayers": "id, taxpayer_ref, name, name_kana, address, search_key, created_at",
    "phones": "id, taxpayer_id, e164, kind, position, usable",
    # Consent is per department: the case's department's (no row: no consent). After phones.
    "phone_consents": "phone_id, department_id, consent, consent_on, consent_source, opted_out",
    "cases": "id, case_ref, taxpayer_id, department_id, status, balance, oldest_due_date, priority, "
    "promise_broken, created_at, updated_at",
    "charges": "id, case_id, tax_type, fiscal_year, amount_due, due_date",
}


class PhoneKinds:
    """The kind of a national number, asked of phonenumbers once per three-digit prefix."""

    def __init__(self) -> None:
        self._kinds: dict[str, str] = {}

    def e164_and_kind(self, national: str) -> tuple[str, str]:
        prefix = national[:3]
        if prefix not in self._kinds:
            self._kinds[prefix] = str(parse_phone(national)[1])
        return "+81" + national[1:].replace("-", ""), self._kinds[prefix]


def _reserve_ids(cur, cases: int) -> dict[str, int]:
    """Return the first id of each table for this load and move its sequence past the range."""
    first = {}
    for table, per_case in PER_CASE.items():
        seq = cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", (table,)).fetchone()[0]
        top = cur.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]  # noqa: S608
        start = max(top + 1, cur.execute("SELECT nextval(%s)", (seq,)).fetchone()[0])
        cur.execute("SELECT setval(%s, %s)", (seq, start + cases * per_case))
        first[table] = start
    return first


def seed_bulk(
    cases: int, now: datetime, seed: int = DEFAULT_SEED, progress: Callable[[int], None] | None = None
) -> int:
    """Load `cases` fictional cases with COPY (PostgreSQL only). Commits as it goes."""
    departments = {code: d.id for code, d in ensure_departments_and_users(now).items()}
    db.session.commit()
    rng = random.Random(seed)
    today = now.astimezone(local_zone()).date()
    kinds = PhoneKinds()
    raw = db.engine.raw_connection()
    try:
        conn = raw.driver_connection
        with conn.cursor() as cur:
            ids = _reserve_ids(cur, cases)
        conn.commit()
        next_id = dict(ids)
        done = 0
        while done < cases:
            size = min(CHUNK, cases - done)
            rows = {table: [] for table in COLUMNS}
            for _ in range(size):
                _generate(rng, today, now, departments, kinds, next_id, rows)
            with conn.cursor() as cur:
                for table, columns in COLUMNS.items():
                    with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                        for row in rows[table]:
                            copy.write_row(row)
            conn.commit()
            done += size
            if progress:
                progress(size)
        with conn.cursor() as cur:
            cur.execute("ANALYZE taxpayers; ANALYZE cases; ANALYZE phones; ANALYZE phone_consents; "
                        "ANALYZE charges")
        conn.commit()
    finally:
        raw.close()
    return cases


def _generate(rng, today, now, departments, kinds, next_id, rows) -> None:
    """Append one case's rows (taxpayer, phones, case, charges) to `rows`, taking ids."""
    code = "TAX" if rng.random() < TAX_SHARE else "WATER"
    fake = fake_case(rng, TAX_TYPES if code == "TAX" else WATER_TYPES)
    taxpayer_id, case_id = next_id["taxpayers"], next_id["cases"]
    next_id["taxpayers"] += 1
    next_id["cases"] += 1
    rows["taxpayers"].append((
        taxpayer_id, f"TB{taxpayer_id:08d}", fake.name, fake.name_kana, fake.address,
        taxpayer_search_key(fake.name, fake.name_kana), now,
    ))
    for position, phone in enumerate(fake.phones, start=1):
        e164, kind = kinds.e164_and_kind(phone.national)
        rows["phones"].append((next_id["phones"], taxpayer_id, e164, kind, position, True))
        if phone.consent:
            rows["phone_consents"].append((next_id["phones"], departments[code], True, phone.consent_on,
                                           "import", False))
        next_id["phones"] += 1
    balance, oldest = fake.balance, fake.oldest_due_date
    rows["cases"].append((
        case_id, f"{code}-B{case_id:08d}", taxpayer_id, departments[code], str(CaseStatus.OPEN),
        balance, oldest, priority_score(balance, oldest, today), fake.promise_broken, now, now,
    ))
    for c in fake.charges:
        rows["charges"].append(
            (next_id["charges"], case_id, c.tax_type, c.fiscal_year, c.amount_due, c.due_date)
        )
        next_id["charges"] += 1
