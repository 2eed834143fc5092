"""app.cases.bulk_write: the COPY of new rows writes each record's own values, and a column's
default where a record has none, whatever keys the records have."""

from datetime import UTC, datetime

from sqlalchemy import select

from app.cases.bulk_write import insert_rows
from app.cases.models import Case, Taxpayer
from app.extensions import db
from tests import factories as f

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


def test_records_with_other_keys_than_the_first_get_their_own_values_or_the_defaults(app):
    dept = f.department("TAX")
    taxpayers = [{"taxpayer_ref": f"T{n}", "name": f"名前{n}", "name_kana": "", "address": "",
                  "search_key": f"k{n}", "created_at": NOW} for n in range(3)]
    insert_rows(Taxpayer.__table__, taxpayers, Taxpayer.__table__.c.taxpayer_ref)
    first = {"case_ref": "C0", "taxpayer_id": taxpayers[0]["id"], "department_id": dept.id,
             "balance": 100, "created_at": NOW, "updated_at": NOW}
    # The second lacks `balance` (its default 0), the third has `priority`, which the first lacks.
    second = {k: v for k, v in first.items() if k != "balance"} | {"case_ref": "C1",
                                                                   "taxpayer_id": taxpayers[1]["id"]}
    third = first | {"case_ref": "C2", "taxpayer_id": taxpayers[2]["id"], "balance": 300, "priority": 7}
    insert_rows(Case.__table__, [first, second, third], Case.__table__.c.case_ref)
    db.session.commit()
    stored = {c.case_ref: (c.balance, c.priority, c.status) for c in db.session.scalars(select(Case))}
    assert stored == {"C0": (100, 0, "open"), "C1": (0, 0, "open"), "C2": (300, 7, "open")}
    assert [tp.name for tp in db.session.scalars(select(Taxpayer).order_by(Taxpayer.taxpayer_ref))] == [
        "名前0", "名前1", "名前2"]
