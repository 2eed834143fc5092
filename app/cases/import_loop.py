"""The chunk loop of a case import, shared by an import in one process (`app.cases.jobs`) and
by each worker process of a large one (`app.cases.import_workers`): chunks of CHUNK_ROWS
records, one transaction each, committed without waiting for the WAL flush, with the planner
statistics refreshed as the tables grow."""

from collections.abc import Callable, Iterable
from itertools import islice

from sqlalchemy import text as sa_text

from app.cases import importing
from app.extensions import db
from app.sql import is_postgres

CHUNK_ROWS = 5000  # fewer, larger statements; progress still every second or so
ANALYZE_FIRST = 5_000  # rows created by an import before the tables' statistics are refreshed

# (records in the chunk, rows that went in, its RowErrors): called before the chunk commits.
ChunkDone = Callable[[int, int, list], None]


def run_chunks(ctx, records: Iterable, now, on_chunk: ChunkDone, statistics: "Statistics | None") -> None:
    """Import `records` ((line, values as read)) chunk by chunk, committing each."""
    records = iter(records)
    while chunk := list(islice(records, CHUNK_ROWS)):
        commit_asynchronously()
        imported, errors = importing.import_chunk(ctx, chunk, now)
        on_chunk(len(chunk), imported, errors)
        db.session.commit()
        if statistics is not None:
            statistics.refresh(ctx.counts)


def commit_asynchronously() -> None:
    """PostgreSQL: the import's chunk transactions do not wait for their WAL flush. A server
    crash may lose the last chunks' commits (a fraction of a second); the import then still
    shows `running` at the earlier progress, the sweep (`sweep_lost_imports`) runs it again and
    the upserts write what was lost. A flush per chunk cost seconds on a busy disk."""
    if is_postgres():
        db.session.execute(sa_text("SET LOCAL synchronous_commit TO OFF"))


class Statistics:
    """PostgreSQL: fresh planner statistics of the imported tables whenever an import has grown
    them fourfold (counted in charges), and at the end of one that created many rows. With stale
    statistics (autovacuum off, or behind on a busy machine) a first import into empty tables is
    planned as for empty tables all along: sequential scans in every chunk, an import quadratic
    in its size (1 M rows: 800 rows/s and falling after 5 minutes, against 7.6 k rows/s at 100 k).

    `share`: the import runs in that many workers of about equal size and this one counts for
    all (only one of them refreshes)."""

    TABLES = "taxpayers, cases, charges, phones, phone_consents"

    def __init__(self, share: int = 1):
        self.postgres = is_postgres()
        self.share = share
        known = 0
        if self.postgres:
            known = max(0, int(db.session.scalar(sa_text(
                "SELECT reltuples FROM pg_class WHERE relname = 'charges'")) or 0))
        self.analyzed_at = 0  # charges created when the statistics were last refreshed
        self.next_at = max(ANALYZE_FIRST, known // 2)

    def refresh(self, counts, final: bool = False) -> None:
        created = counts["charges_created"] * self.share
        due = created >= self.next_at or (final and created - self.analyzed_at >= ANALYZE_FIRST)
        if not due or not self.postgres:
            return
        db.session.execute(sa_text(f"ANALYZE {self.TABLES}"))
        db.session.commit()
        self.analyzed_at, self.next_at = created, created * 4
