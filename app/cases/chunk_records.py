"""A chunk's rows against the database: loading what they refer to, the conflicts with stored
data and earlier lines, the upsert of taxpayers, phones, cases and charges as plain records,
and writing them with a few statements per table (app.cases.bulk_write).

The checks of a row on its own are in `csv_rows`; the chunk's flow (skipping unchanged rows,
consent, totals) is `importing.import_chunk`.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from app.cases.bulk_write import in_, insert_rows, update_rows
from app.cases.csv_rows import ImportRow, RowError
from app.cases.models import Case, CaseStatus, Charge, ChargeStatus, Phone, Taxpayer
from app.cases.search_keys import taxpayer_search_key
from app.extensions import db

# The chunk's rows are plain dicts of column values, not ORM objects: building, tracking and
# flushing tens of thousands of ORM objects per import cost most of its time. A record with
# "id" None is new; existing records that change are collected in `LoadedRows.dirty` and written
# with one executemany UPDATE per table; new ones with one INSERT per table (app.cases.bulk_write).
_TAXPAYERS, _CASES = Taxpayer.__table__, Case.__table__
_CHARGES, _PHONES = Charge.__table__, Phone.__table__
_CHARGE_VALUES = ("amount_due", "due_date", "status", "assessed", "late_fee", "dunning_fee",
                  "dunning_notice_on", "limitation_on")


@dataclass
class LoadedRows:
    """The chunk's existing rows (and those it creates), keyed so rows can find them."""

    taxpayers: dict[str, dict]  # taxpayer_ref -> record
    cases: dict[str, dict]  # case_ref -> record (with "taxpayer_ref")
    case_of_taxpayer: dict[tuple[str, int], dict]
    charges: dict[str, dict[tuple, dict]]  # case_ref -> identity -> record
    phones: dict[tuple[str, str], dict]  # (taxpayer_ref, e164) -> record
    dirty: dict[str, dict[int, dict]] = field(
        default_factory=lambda: {"taxpayers": {}, "cases": {}, "charges": {}, "phones": {}, "hashes": {}})


def charge_identity(row_or_charge) -> tuple:
    """A charge's identity within its case: (tax_type, fiscal_year, period, notice_no)."""
    if isinstance(row_or_charge, dict):
        r = row_or_charge
        return (r["tax_type"], r["fiscal_year"], r["period"], r["notice_no"])
    return (row_or_charge.tax_type, row_or_charge.fiscal_year, row_or_charge.period, row_or_charge.notice_no)


def load_existing(rows: list[ImportRow]) -> LoadedRows:
    t, c = _TAXPAYERS.c, _CASES.c
    taxpayers = {r.taxpayer_ref: r._asdict() for r in db.session.execute(
        select(t.id, t.taxpayer_ref, t.name, t.name_kana, t.address, t.search_key)
        .where(in_(t.taxpayer_ref, {r.taxpayer_ref for r in rows})))}
    case_columns = select(c.id, c.case_ref, c.taxpayer_id, c.department_id, c.created_at, c.extract_as_of,
                          c.extract_on, _TAXPAYERS.c.taxpayer_ref).join_from(_CASES, _TAXPAYERS)
    found = {}
    # (A first import's chunks find nothing: the look-ups that can only find nothing are left out.)
    for where in (in_(c.case_ref, {r.case_ref for r in rows}),
                  in_(c.taxpayer_id, [tp["id"] for tp in taxpayers.values()]) if taxpayers else None):
        if where is not None:
            found.update((case.id, case._asdict()) for case in db.session.execute(case_columns.where(where)))
    cases = {case["case_ref"]: case for case in found.values()}
    case_of_taxpayer = {(case["taxpayer_ref"], case["department_id"]): case for case in found.values()
                        if case["taxpayer_ref"] in taxpayers}
    charges: dict[str, dict[tuple, dict]] = {case["case_ref"]: {} for case in found.values()}
    ch = _CHARGES.c
    for charge in () if not found else db.session.execute(
            select(ch.id, ch.case_id, ch.tax_type, ch.fiscal_year, ch.period, ch.notice_no, ch.row_hash,
                   *(ch[name] for name in _CHARGE_VALUES))
            .where(in_(ch.case_id, list(found)))):
        record = charge._asdict()
        charges[found[charge.case_id]["case_ref"]][charge_identity(record)] = record
    ref_of_taxpayer = {tp["id"]: ref for ref, tp in taxpayers.items()}
    p = _PHONES.c
    stored_phones = () if not ref_of_taxpayer else db.session.execute(
        select(p.id, p.taxpayer_id, p.e164, p.kind, p.position)
        .where(in_(p.taxpayer_id, list(ref_of_taxpayer))))
    phones = {(ref_of_taxpayer[phone.taxpayer_id], phone.e164): phone._asdict() for phone in stored_phones}
    return LoadedRows(taxpayers, cases, case_of_taxpayer, charges, phones)


def conflict(ctx, loaded: LoadedRows, row: ImportRow, dept_id: int) -> RowError | None:
    """A row that contradicts stored data or an earlier row of the file, else None."""
    owner = (row.taxpayer_ref, dept_id)
    case = loaded.cases.get(row.case_ref)
    if case is not None:
        if case["department_id"] != dept_id:
            return RowError(row.line, "case_ref", f"case {row.case_ref} belongs to another department")
        if case["taxpayer_ref"] != row.taxpayer_ref:
            return RowError(row.line, "case_ref", f"case {row.case_ref} belongs to another taxpayer")
    elif ctx.case_owner.get(row.case_ref, owner) != owner:
        return RowError(row.line, "case_ref",
                        f"case {row.case_ref} has another taxpayer or department on an earlier line")
    other = loaded.case_of_taxpayer.get(owner)
    other_ref = other["case_ref"] if other is not None else ctx.case_of_taxpayer.get(owner)
    if other_ref is not None and other_ref != row.case_ref:
        return RowError(row.line, "case_ref",
                        f"the taxpayer already has case {other_ref} in this department")
    identity = (row.case_ref, *charge_identity(row))
    first = ctx.charge_lines.get(identity)
    if first is None:  # a stored charge an earlier line named without being parsed
        stored = loaded.charges.get(row.case_ref, {}).get(identity[1:])
        first = ctx.charge_ids_named.get(stored["id"]) if stored is not None else None
    if first is not None:
        return RowError(row.line, "tax_type",
                        f"the same charge (tax type, fiscal year, period, notice number) of this case "
                        f"is on line {first}")
    return None


def _set(record: dict, counts: Counter, counter: str, dirty: dict[int, dict], **values) -> bool:
    """Assign only the values that differ (an unchanged row must not write anything)."""
    changed = False
    for name, value in values.items():
        if record.get(name) != value:
            record[name] = value
            changed = True
    if changed:
        counts[counter] += 1
        if record["id"] is not None:
            dirty[record["id"]] = record
    return changed


def upsert_row(ctx, loaded: LoadedRows, row: ImportRow, dept_id: int, now: datetime, touched, moved) -> dict:
    """Create or update the row's taxpayer, phones, case and charge; returns the charge record."""
    ctx.case_owner[row.case_ref] = (row.taxpayer_ref, dept_id)
    ctx.case_of_taxpayer[(row.taxpayer_ref, dept_id)] = row.case_ref
    ctx.charge_lines[(row.case_ref, *charge_identity(row))] = row.line
    people = {"name": row.name, "name_kana": row.name_kana, "address": row.address}
    taxpayer = loaded.taxpayers.get(row.taxpayer_ref)
    if taxpayer is None or (taxpayer["name"], taxpayer["name_kana"]) != (row.name, row.name_kana):
        people["search_key"] = taxpayer_search_key(row.name, row.name_kana)  # only when they change
    if taxpayer is None:
        loaded.taxpayers[row.taxpayer_ref] = {"id": None, "taxpayer_ref": row.taxpayer_ref,
                                              "created_at": now, **people}
        ctx.counts["taxpayers_created"] += 1
    else:
        _set(taxpayer, ctx.counts, "taxpayers_updated", loaded.dirty["taxpayers"], **people)

    for position, e164, kind in row.phones:  # their consent: app.cases.import_consent
        phone = loaded.phones.get((row.taxpayer_ref, e164))
        if phone is None:
            loaded.phones[(row.taxpayer_ref, e164)] = {
                "id": None, "taxpayer_ref": row.taxpayer_ref, "e164": e164, "kind": kind,
                "position": position}
            ctx.counts["phones_created"] += 1
        else:
            _set(phone, ctx.counts, "phones_updated", loaded.dirty["phones"], kind=kind, position=position)

    case = loaded.cases.get(row.case_ref)
    if case is None:
        case = {"id": None, "case_ref": row.case_ref, "taxpayer_ref": row.taxpayer_ref,
                "department_id": dept_id, "status": str(CaseStatus.OPEN), "balance": 0,
                "oldest_due_date": None, "priority": 0, "promise_broken": False,
                "next_action_at": None, "created_at": now, "updated_at": now,
                "extract_as_of": ctx.as_of, "extract_on": ctx.extract_on}
        loaded.cases[row.case_ref] = case
        loaded.case_of_taxpayer[(row.taxpayer_ref, dept_id)] = case
        ctx.counts["cases_created"] += 1
    elif case["extract_on"] != ctx.extract_on:
        # An extract of another day: the payments it holds no longer count on top. (Another
        # extract of the same day changes nothing the balance rule reads: the case keeps the
        # first extract time of that day, and a same-day re-import writes nothing.)
        moved.add(row.case_ref)
    values = {"amount_due": row.amount_due, "due_date": row.due_date,
              "status": str(ChargeStatus.OPEN if row.amount_due > 0 else ChargeStatus.CLOSED),
              **{name: getattr(row, name) for name in ctx.charge_fields}}
    charges = loaded.charges.setdefault(row.case_ref, {})
    identity = charge_identity(row)
    charge = charges.get(identity)
    if charge is not None and charge["id"] is not None:
        ctx.charge_ids_named[charge["id"]] = row.line
    if charge is None:
        charges[identity] = {"id": None, "tax_type": row.tax_type, "fiscal_year": row.fiscal_year,
                                   "period": row.period, "notice_no": row.notice_no, **values}
        ctx.counts["charges_created"] += 1
        touched.add(row.case_ref)
        return charges[identity]
    was_open = charge["status"] == ChargeStatus.OPEN
    if _set(charge, ctx.counts, "charges_updated", loaded.dirty["charges"], **values):
        touched.add(row.case_ref)
        if was_open and charge["status"] == ChargeStatus.CLOSED:
            ctx.counts["charges_closed"] += 1
    return charge


def write_rows(loaded: LoadedRows) -> set[int]:
    """Insert the chunk's new rows and update its changed ones: a few statements per table.
    Returns the ids of the phones it created (every phone record then has its id)."""
    new_taxpayers = [tp for tp in loaded.taxpayers.values() if tp["id"] is None]
    for id_, ref in insert_rows(_TAXPAYERS, new_taxpayers, _TAXPAYERS.c.taxpayer_ref):
        loaded.taxpayers[ref]["id"] = id_
    update_rows(_TAXPAYERS, loaded.dirty["taxpayers"], ("name", "name_kana", "address", "search_key"))

    new_cases = [case for case in loaded.cases.values() if case["id"] is None]
    for case in new_cases:
        case["taxpayer_id"] = loaded.taxpayers[case["taxpayer_ref"]]["id"]
    for id_, ref in insert_rows(_CASES, new_cases, _CASES.c.case_ref):
        loaded.cases[ref]["id"] = id_
    update_rows(_CASES, loaded.dirty["cases"], None)

    new_charges = []
    for case_ref, charges in loaded.charges.items():
        for charge in charges.values():
            if charge["id"] is None:
                charge["case_id"] = loaded.cases[case_ref]["id"]
                new_charges.append(charge)
    insert_rows(_CHARGES, new_charges, with_ids=True)  # mode full lists the charges a file names
    update_rows(_CHARGES, loaded.dirty["charges"], _CHARGE_VALUES)
    update_rows(_CHARGES, loaded.dirty["hashes"], ("row_hash",))

    new_phones = [phone for phone in loaded.phones.values() if phone["id"] is None]
    for phone in new_phones:
        phone["taxpayer_id"] = loaded.taxpayers[phone["taxpayer_ref"]]["id"]
    insert_rows(_PHONES, new_phones, with_ids=True)  # for their consent (app.cases.import_consent)
    update_rows(_PHONES, loaded.dirty["phones"], ("kind", "position"))
    return {phone["id"] for phone in new_phones}


