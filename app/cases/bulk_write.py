"""Writing many rows of plain dicts at once (the case import): new rows with one COPY per table
and chunk on PostgreSQL (their ids taken from the table's sequence first, so rows that others
refer to get them back), an executemany INSERT elsewhere (SQLite, the demo); changed rows with
one executemany UPDATE per set of changed columns.

COPY in place of the INSERT ... SELECT FROM unnest(arrays) it replaced: dumping the arrays cost
half the import's CPU (about 125 us a row); COPY's rows cost a few."""

import operator

from sqlalchemy import Table, any_, bindparam, insert, text, update
from sqlalchemy.dialects import postgresql

from app.extensions import db
from app.sql import is_postgres as postgres


def in_(column, values):
    """`column IN values`: on PostgreSQL `= ANY(array)`, one parameter instead of a thousand."""
    values = list(values)
    if postgres():
        return column == any_(bindparam(None, values, type_=postgresql.ARRAY(column.type)))
    return column.in_(values)


def _insert_columns(table: Table, record: dict) -> tuple[list, dict]:
    """The columns an INSERT of `record` names, and the Python-side defaults of those it lacks."""
    columns, defaults = [], {}
    for column in table.columns:
        if column.primary_key:
            continue
        if column.name in record:
            columns.append(column)
        elif column.default is not None and column.default.is_scalar:
            columns.append(column)
            defaults[column.name] = column.default.arg
        elif column.default is None and column.server_default is None:
            columns.append(column)
            defaults[column.name] = None
    return columns, defaults


def insert_rows(table: Table, records: list[dict], key=None, with_ids: bool = False) -> list[tuple]:
    """Insert `records`; with `key`, return (id, key) of each new row; with `key` or `with_ids`,
    each record gets its "id"."""
    if not records:
        return []
    columns, defaults = _insert_columns(table, records[0])
    if postgres():
        return _copy(table, records, columns, defaults, key, with_ids or key is not None)
    params = [{c.name: r[c.name] if c.name in r else defaults[c.name] for c in columns} for r in records]
    stmt = insert(table)
    if key is None and not with_ids:
        db.session.execute(stmt, params)
        return []
    ids = db.session.scalars(stmt.returning(table.c.id, sort_by_parameter_order=True), params).all()
    for record, id_ in zip(records, ids, strict=True):
        record["id"] = id_
    return [(record["id"], record[key.name]) for record in records] if key is not None else []


def _copy(table: Table, records: list[dict], columns: list, defaults: dict, key,
          with_ids: bool) -> list[tuple]:
    """PostgreSQL: COPY the records in the session's transaction; `with_ids`: ids come first."""
    names = [c.name for c in columns]
    if with_ids:
        ids = db.session.scalars(
            # The sequence found once, not once per id (that look-up cost 20x the nextval).
            text("WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(:table, 'id')::regclass AS seq)"
                 " SELECT nextval(s.seq) FROM s, generate_series(1, :n)"),
            {"table": table.name, "n": len(records)}).all()
        for record, id_ in zip(records, ids, strict=True):
            record["id"] = id_
        names = ["id", *names]
    # The chunk's records of a table have the same keys as the first: one C call picks a row's
    # values (a record with other keys is written column by column).
    given = [n for n in names if n not in defaults]
    names = [*given, *defaults]
    pick, rest = _picker(given), tuple(defaults.values())
    keys = records[0].keys()
    raw = db.session.connection().connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
        write = copy.write_row
        for record in records:
            if record.keys() == keys:
                write(pick(record) + rest)
            else:
                write(tuple(record[n] if n in record else _default(table, n) for n in names))
    return [(record["id"], record[key.name]) for record in records] if key is not None else []


def _picker(names: list[str]):
    """record -> the tuple of its values of `names`."""
    if len(names) == 1:
        name = names[0]
        return lambda record: (record[name],)
    return operator.itemgetter(*names)


def _default(table: Table, name: str):
    default = table.c[name].default
    return default.arg if default is not None and default.is_scalar else None


def update_rows(table: Table, records: dict[int, dict], columns) -> None:
    """UPDATE the changed rows by id (executemany), grouped by the set of columns written."""
    groups: dict[tuple, list[dict]] = {}
    for id_, record in records.items():
        names = tuple(columns if columns is not None else record)
        groups.setdefault(names, []).append({"row_id": id_, **{n: record[n] for n in names}})
    for names, params in groups.items():
        stmt = update(table).where(table.c.id == bindparam("row_id"))
        db.session.execute(stmt.values({n: bindparam(f"new_{n}") for n in names}),
                           [{"row_id": p["row_id"], **{f"new_{n}": p[n] for n in names}} for p in params])
