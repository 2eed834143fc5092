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

from sqlalchemy import select
from sqlalchemy import update as sa_update

from app import clock
from app.audit.services import record
from app.auth.models import User
from app.cases import case_totals, import_loop, import_workers, importing, unchanged_rows
from app.cases.csv_rows import CsvFile, FileError
from app.cases.models import ImportJob, ImportMode, ImportStatus
from app.extensions import db
from app.queue import enqueue_after_commit, enqueue_now, job_is_alive

log = logging.getLogger(__name__)

IMPORT_QUEUE = "imports"
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
        workers = import_workers.workers_for(csv_file)
        groups = import_workers.Groups(csv_file.columns, workers) if workers > 1 else None
        # The one pass before the chunks: the file's unchanged rows, its row count and, for
        # several workers, its groups of rows.
        if unchanged_rows.nothing_to_match():
            matches = unchanged_rows.StoredMatches()
            if groups is not None:
                groups.read(csv_file.raw_records())
        else:
            records = csv_file.records()
            matches = unchanged_rows.StoredMatches.find(
                tuple(csv_file.columns), groups.observe(records) if groups is not None else records,
                extract_on)
        total = groups.total if groups is not None else csv_file.total
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
    progress = _Progress(import_id, total, on_progress)
    try:
        if groups is not None:
            progress.separately = True
            import_workers.run(ctx, csv_file, groups, now, progress.chunk_done)
            actor = ctx.actor
        else:
            import_loop.run_chunks(ctx, csv_file.raw_records(), now, progress.chunk_done,
                                   import_loop.Statistics())
        import_loop.commit_asynchronously()
        case_totals.close_absent(ctx, actor, now)
        case_totals.count_applied(ctx, now)
        progress.write(final=True)
        db.session.commit()
        import_loop.Statistics().refresh(ctx.counts, final=True)
    except Exception:
        db.session.rollback()
        log.exception("import %s failed", import_id)
        job = db.session.get(ImportJob, import_id)
        actor = db.session.get(User, job.created_by_id) if job.created_by_id else None
        _finish(job, actor, now, ImportStatus.FAILED, counts=ctx.counts,
                message=f"the import stopped after {progress.processed} rows because of an internal error")
        raise
    message = None
    if len(progress.errors) >= MAX_ERRORS:
        message = f"only the first {MAX_ERRORS} errors are listed"
    job = db.session.get(ImportJob, import_id)
    _finish(job, actor, now, ImportStatus.DONE, counts=ctx.counts, message=message, summary=ctx.summary())


class _Progress:
    """The job's `imported` count and error list as the chunks finish.

    In one process the chunk's own transaction writes them (before its commit); from several
    workers (`separately`) the import's process writes them in a transaction of its own. The
    error list is one JSON value: written in full at most every ERRORS_EVERY chunks (and at the
    end), not after each chunk, which cost O(errors x chunks) on a bad file. Workers report in
    any order; the list is kept in line order. Written with a Core UPDATE: touching the
    (expired) ORM job after each commit would reload the whole row, the uploaded file included."""

    def __init__(self, import_id: int, total: int, on_progress: Progress | None):
        self.update = sa_update(ImportJob.__table__).where(ImportJob.__table__.c.id == import_id)
        self.total, self.on_progress = total, on_progress
        self.errors: list[dict] = []
        self.processed = self.imported = self.chunks = self.errors_written = 0
        self.separately = False

    def chunk_done(self, rows: int, imported: int, errors: list) -> None:
        self.chunks += 1
        self.processed += rows
        self.imported += imported
        if errors and (self.separately or len(self.errors) < MAX_ERRORS):
            self.errors.extend(e.as_dict() for e in errors)
            if self.separately:
                self.errors.sort(key=lambda e: e["line"])
            del self.errors[MAX_ERRORS:]
        self.write()
        if self.separately:
            db.session.commit()
        if self.on_progress is not None:
            self.on_progress(self.processed, self.total)

    def write(self, final: bool = False) -> None:
        values = {"imported": self.imported}
        if final or (len(self.errors) != self.errors_written and self.chunks % ERRORS_EVERY == 1):
            values["errors"], self.errors_written = list(self.errors), len(self.errors)
        db.session.execute(self.update.values(**values))


ERRORS_EVERY = 20  # chunks between two writes of the error list


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
