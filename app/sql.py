"""What every domain needs of the database beyond the ORM: which dialect, and insert-once."""

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

from app.extensions import db

Row = TypeVar("Row")


def is_postgres() -> bool:
    """True on PostgreSQL (tests, production), False on SQLite (the zero-setup demo)."""
    return db.session.get_bind().dialect.name == "postgresql"


def insert_once(row: Row, existing: Callable[[], Row | None]) -> Row:
    """Flush `row`, whose unique key may already be taken; return `row`, or the row that holds
    the key already (`existing()` looks it up) when an earlier or a concurrent transaction
    stored it first. On PostgreSQL the insert runs in a SAVEPOINT, so losing the race rolls
    back only this row; SQLite (the demo) serialises writers and pysqlite's SAVEPOINT outside an
    explicit BEGIN would commit early, so a look-up first is enough there."""
    if not is_postgres():
        found = existing()
        if found is not None:
            return found
        db.session.add(row)
        db.session.flush()
        return row
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        found = existing()
        if found is None:
            raise
        return found
    return row
