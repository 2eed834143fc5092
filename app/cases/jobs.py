"""The case-import job: reads an ImportJob's file and upserts its rows, committing per chunk.

Committing per chunk keeps the progress visible (`total`, `imported`) and the done chunks
safe if the worker dies; re-running is harmless because every row is an upsert. A job that
is already done or failed does nothing. After the last chunk: mode full closes the absent
charges, and the summary (`ImportJob.summary`) is stored.
"""

import contextlib
import gc
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from itertools import islice

from sqlalchemy import select
from sqlalchemy import text as sa_text
from sqlalchemy import update as sa_update

from app import clock
from app.audit.services import record
from app.auth.models import User
from app.cases import case_totals, importing, unchanged_rows
from app.cases.csv_rows import CsvFile, FileError
from app.cases.models import ImportJob, ImportMode, ImportStatus
from app.extensions import db
from app.queue import enqueue_after_commit, enqueue_now, job_is_alive
from app.sql import is_postgres

log = logging.getLogger(__name__)

IMPORT_QUEUE = "imports"
CHUNK_ROWS = 5000  # fewer, larger statements; progress still every second or so
MAX_ERRORS = 10_000  # stored per import; a file that bad needs fixing at the source anyway

Progress = Callable[[int, int], None]  # (rows processed so far, total rows)


def run_import(import_id: int, on_progress: Progress | None = None) -> None:
    """Run import `import_id` to the end (done, or failed with a message)."""
    with _cyclic_gc_paused():
        _run_import(import_id, on_progress)


@contextlib.contextmanager
def _cyclic_gc_paused():
    """Python's cyclic garbage collector off for the import.

    An import holds millions of live objects (the file, its rows' keys); each collection walks
    them, and the allocations of a chunk set off many: a third of a first import's CPU and of a
    re-import's went there. The import's own records hold no reference cycles (reference
    counting frees them); what cyclic garbage the libraries make meanwhile is collected by the
    collector's usual rounds once it is back on."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _run_import(import_id: int, on_progress: Progress | None) -> None:
    job = db.session.get(ImportJob, import_id)
    if job is None or job.status in (ImportStatus.DONE, ImportStatus.FAILED):
        return
    now = clock.utcnow()
    actor = db.session.get(User, job.created_by_id) if job.created_by_id else None
    job.status, job.started_at, job.imported, job.errors, job.message = (
        ImportStatus.RUNNING, now, 0, [], None)
    as_of = (job.as_of or now).replace(microsecond=0)
    extract_on = as_of.astimezone(clock.local_zone()).date()
    try:
        csv_file = CsvFile(job.content)
        # The one pass before the chunks: the file's unchanged rows (and its row count).
        if unchanged_rows.nothing_to_match():
            matches = unchanged_rows.StoredMatches()
        else:
            matches = unchanged_rows.StoredMatches.find(
                tuple(csv_file.columns), csv_file.records(), extract_on)
        total = csv_file.total
    except FileError as exc:  # a record the CSV reader cannot read, found by the first pass
        db.session.rollback()
        job = db.session.get(ImportJob, import_id)
        job.started_at, job.imported, job.errors = now, 0, []
        _finish(job, actor, now, ImportStatus.FAILED, message=str(exc))
        return
    job.as_of, job.total = as_of, total
    db.session.commit()

    ctx = importing.ImportContext.load(
        job.scope_department_id, now.astimezone(clock.local_zone()).date(), len(csv_file.columns),
        as_of, extract_on, job.mode, csv_file.columns, actor, import_id)
    ctx.stored_matches = matches
    errors: list[dict] = []
    processed = imported = 0
    rows = csv_file.raw_records()
    # Progress is written with a Core UPDATE: touching the (expired) ORM job after each commit
    # would reload the whole row, the uploaded file included, once per chunk.
    progress = sa_update(ImportJob.__table__).where(ImportJob.__table__.c.id == import_id)
    statistics = _Statistics()
    errors_written = 0
    try:
        chunk_number = 0
        while chunk := list(islice(rows, CHUNK_ROWS)):
            chunk_number += 1
            _commit_asynchronously()
            chunk_imported, chunk_errors = importing.import_chunk(ctx, chunk, now)
            imported += chunk_imported
            values = {"imported": imported}
            if chunk_errors and len(errors) < MAX_ERRORS:
                errors.extend(e.as_dict() for e in chunk_errors[: MAX_ERRORS - len(errors)])
            # The list is one JSON value: written in full at most every ERRORS_EVERY chunks (and
            # at the end), not after each chunk, which cost O(errors x chunks) on a bad file.
            if len(errors) != errors_written and chunk_number % ERRORS_EVERY == 1:
                values["errors"], errors_written = list(errors), len(errors)
            db.session.execute(progress.values(**values))
            db.session.commit()
            statistics.refresh(ctx.counts)
            processed += len(chunk)
            if on_progress is not None:
                on_progress(processed, total)
        _commit_asynchronously()
        case_totals.close_absent(ctx, actor, now)
        case_totals.count_applied(ctx, now)
        db.session.execute(progress.values(imported=imported, errors=errors))
        db.session.commit()
        statistics.refresh(ctx.counts, final=True)
    except Exception:
        db.session.rollback()
        log.exception("import %s failed", import_id)
        job = db.session.get(ImportJob, import_id)
        _finish(job, actor, now, ImportStatus.FAILED, counts=ctx.counts,
                message=f"the import stopped after {processed} rows because of an internal error")
        raise
    message = None
    if len(errors) >= MAX_ERRORS:
        message = f"only the first {MAX_ERRORS} errors are listed"
    _finish(job, actor, now, ImportStatus.DONE, counts=ctx.counts, message=message, summary=ctx.summary())


ERRORS_EVERY = 20  # chunks between two writes of the error list
ANALYZE_FIRST = 5_000  # rows created by an import before the tables' statistics are refreshed


def _commit_asynchronously() -> None:
    """PostgreSQL: the import's chunk transactions do not wait for their WAL flush. A server
    crash may lose the last chunks' commits (a fraction of a second); the import then still
    shows `running` at the earlier progress, the sweep (`sweep_lost_imports`) runs it again and
    the upserts write what was lost. A flush per chunk cost seconds on a busy disk."""
    if is_postgres():
        db.session.execute(sa_text("SET LOCAL synchronous_commit TO OFF"))


class _Statistics:
    """PostgreSQL: fresh planner statistics of the imported tables whenever an import has grown
    them fourfold (counted in charges), and at the end of one that created many rows. With stale
    statistics (autovacuum off, or behind on a busy machine) a first import into empty tables is
    planned as for empty tables all along: sequential scans in every chunk, an import quadratic
    in its size (1 M rows: 800 rows/s and falling after 5 minutes, against 7.6 k rows/s at 100 k)."""

    TABLES = "taxpayers, cases, charges, phones, phone_consents"

    def __init__(self):
        self.postgres = is_postgres()
        known = 0
        if self.postgres:
            known = max(0, int(db.session.scalar(sa_text(
                "SELECT reltuples FROM pg_class WHERE relname = 'charges'")) or 0))
        self.analyzed_at = 0  # charges created when the statistics were last refreshed
        self.next_at = max(ANALYZE_FIRST, known // 2)

    def refresh(self, counts, final: bool = False) -> None:
        created = counts["charges_created"]
        due = created >= self.next_at or (final and created - self.analyzed_at >= ANALYZE_FIRST)
        if not due or not self.postgres:
            return
        db.session.execute(sa_text(f"ANALYZE {self.TABLES}"))
        db.session.commit()
        self.analyzed_at, self.next_at = created, created * 4


def _finish(job: ImportJob, actor, now, status: ImportStatus, counts=None, message=None,
            summary=None) -> None:
    job.status = status
    job.message = message
    job.summary = summary
    job.finished_at = clock.utcnow()
    record(actor, "cases.import", "import_job", job.id, now, status=str(status), total=job.total,
           imported=job.imported, errors=len(job.errors or []), mode=job.mode,
           as_of=job.as_of.isoformat() if job.as_of else None, **dict(counts or {}))
    db.session.commit()


LOST_AFTER = timedelta(minutes=2)


def sweep_lost_imports(now: datetime) -> int:
    """Re-enqueue imports whose job was lost (Redis flushed, worker killed, process restarted).

    An import still queued or running after LOST_AFTER whose RQ job no longer exists is
    handed to the queue again; re-running is harmless (every row is an upsert).
    """
    stale = db.session.scalars(
        select(ImportJob.id).where(
            ImportJob.status.in_([ImportStatus.QUEUED, ImportStatus.RUNNING]),
            ImportJob.created_at < now - LOST_AFTER,
        )
    ).all()
    requeued = 0
    for import_id in stale:
        job_id = f"import-{import_id}"
        if not job_is_alive(job_id):
            enqueue_now(run_import, import_id, queue=IMPORT_QUEUE, job_id=job_id)
            requeued += 1
    if requeued:
        log.info("re-enqueued %d lost import job(s)", requeued)
    return requeued


def queue_import(actor, filename: str, content: bytes, now: datetime, as_of: datetime | None = None,
                 mode: str = ImportMode.DELTA) -> ImportJob:
    """Create the ImportJob and have `run_import` run once the caller commits."""
    job = importing.create_import(actor, filename, content, now, as_of, mode)
    enqueue_after_commit(run_import, job.id, queue=IMPORT_QUEUE, job_id=f"import-{job.id}")
    return job
