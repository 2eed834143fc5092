"""A large case import on PostgreSQL, split across worker processes.

One process spends most of a large import in Python (checking rows, building the records,
formatting the COPYs) while PostgreSQL waits, then waits while PostgreSQL checks the foreign
keys of what it copied. With `IMPORT_WORKERS` (default 2) forked workers, each with its own
database connection, both cores work. Files of fewer than `IMPORT_PARALLEL_ROWS` lines (default
20,000), and SQLite, stay in one process.

**How the rows are split.** Rows that share a `taxpayer_ref` or a `case_ref`, directly or
through other rows, form one group (a union-find over the file, `Groups`); a group goes to one
worker whole, in line order. Everything a row is checked against (its case's owner, the
taxpayer's case in the department, the same charge on an earlier line, the stored charge an
unchanged row names, the taxpayer's phones and their consent) is therefore in the same worker,
which sees the rows in the order of the file: a file gives the same rows, errors and counts as
in one process. Two workers never write the same taxpayer, case, charge, phone or consent, so
they never wait for each other's locks.

**Each worker** is a forked child of the import: it reads the file (inherited, not copied) and
keeps its own group's records, runs the same chunk loop as a single import (`import_loop`),
committing per chunk, and reports each chunk (rows, rows in, errors) to the parent (it stops,
uncommitted, once the parent is gone: a killed import is not continued behind the sweep). The parent
keeps the job's progress and error list; at the end it merges what the workers learned (counts,
the charges listed for mode full, the departments named, the cases with a rejected row, the
cases counted) for the steps that need the whole file (mode full's closing of absent charges,
the summary). A worker that fails stops the others and the import as a failure; what was
committed stays (the rows are upserts: running the import again is harmless).
"""

import contextlib
import logging
import multiprocessing
import os
from array import array
from collections import Counter
from multiprocessing.connection import wait

from flask import current_app

from app.auth.models import User
from app.cases import import_loop
from app.extensions import db
from app.sql import is_postgres

log = logging.getLogger(__name__)


class WorkerFailed(RuntimeError):
    """A worker process stopped before its last chunk."""


def workers_for(csv_file) -> int:
    """How many processes import this file: 1 on SQLite or for a small file."""
    workers = int(current_app.config.get("IMPORT_WORKERS", 2))
    if workers < 2 or not is_postgres() or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if csv_file.text.count("\n") < int(current_app.config.get("IMPORT_PARALLEL_ROWS", 20_000)):
        return 1
    return workers


class Groups:
    """Which worker each line of a file goes to: rows linked by a taxpayer_ref or a case_ref
    stay together. Fed once with the file's records (`observe`), which it also counts."""

    def __init__(self, columns, workers: int):
        self.case_at, self.taxpayer_at = columns.index("case_ref"), columns.index("taxpayer_ref")
        self.width, self.workers = len(columns), workers
        self._parent: dict[str, str] = {}
        self._lines = array("q")
        self._keys: list[str | None] = []
        self._worker_of: bytearray | None = None
        self.total = 0

    def _root(self, key: str) -> str:
        parent = self._parent
        root = key
        while (up := parent.get(root, root)) != root:
            root = up
        while key != root:  # path compression
            up = parent[key]
            parent[key] = root
            key = up
        return root

    def observe(self, records):
        """Pass `records` ((line, values)) through, linking each row's taxpayer and case."""
        width, case_at, taxpayer_at = self.width, self.case_at, self.taxpayer_at
        parent, root_of = self._parent, self._root
        lines, keys = self._lines, self._keys
        for line, values in records:
            self.total += 1
            key = None
            if values is not None and len(values) == width:
                # An empty reference links nothing (the row is an error anyway).
                taxpayer, case = values[taxpayer_at].strip(), values[case_at].strip()
                key = "t" + taxpayer if taxpayer else ("c" + case if case else None)
                if taxpayer and case:
                    other = "c" + case
                    # A key not in `parent` is a root: most rows meet a new case or the last one.
                    a = parent.get(key, key)
                    if a != key:
                        a = root_of(key)
                    b = parent.get(other, other)
                    if b != other:
                        b = root_of(other)
                    if a != b:
                        parent[b] = a
            lines.append(line)
            keys.append(key)
            yield line, values

    def read(self, records) -> None:
        for _ in self.observe(records):
            pass

    def worker_of(self) -> bytearray:
        """line -> worker index (lines that are no record: 0)."""
        if self._worker_of is None:
            size = (self._lines[-1] + 1) if self._lines else 0
            worker_of = bytearray(size)
            for line, key in zip(self._lines, self._keys, strict=True):
                if key is not None:
                    worker_of[line] = hash(self._root(key)) % self.workers
            self._worker_of = worker_of
            self._parent.clear()
            self._keys = []
        return self._worker_of


def run(ctx, csv_file, groups: Groups, now, on_chunk: import_loop.ChunkDone) -> None:
    """Import `csv_file` in `groups.workers` forked workers; merge what they learned into `ctx`.

    The caller has committed; its session and the engine's connections are closed here (a
    forked child must not share them) and open again on next use."""
    worker_of = groups.worker_of()
    actor_id = getattr(ctx.actor, "id", None)
    db.session.remove()
    db.engine.dispose()
    fork = multiprocessing.get_context("fork")
    pipes, processes = [], []
    try:
        for index in range(groups.workers):
            ours, theirs = fork.Pipe(duplex=False)
            process = fork.Process(target=_worker, name=f"import-worker-{index}", daemon=True,
                                   args=(index, groups.workers, theirs, ctx, csv_file, worker_of, now,
                                         actor_id, os.getpid()))
            process.start()
            theirs.close()
            pipes.append(ours)
            processes.append(process)
        results = _collect(pipes, on_chunk)
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join()
    _merge(ctx, results)
    ctx.actor = db.session.get(User, actor_id) if actor_id is not None else None


def _collect(pipes, on_chunk) -> list[dict]:
    results: dict[int, dict] = {}
    open_pipes = list(pipes)
    while open_pipes:
        for pipe in wait(open_pipes):
            try:
                message = pipe.recv()
            except EOFError:
                open_pipes.remove(pipe)
                continue
            kind = message[0]
            if kind == "chunk":
                on_chunk(*message[1:])
            elif kind == "done":
                results[id(pipe)] = message[1]
            else:  # the other workers are stopped at once (`run`); their open chunk rolls back
                raise WorkerFailed(message[1])
    if len(results) != len(pipes):
        raise WorkerFailed("an import worker ended without a report")
    return list(results.values())


def _merge(ctx, results: list[dict]) -> None:
    ctx.counts = sum((r["counts"] for r in results), Counter())
    for r in results:
        ctx.seen_charges |= r["seen_charges"]
        ctx.named_departments |= r["named_departments"]
        ctx.rejected_cases |= r["rejected_cases"]
        ctx.counted_cases |= r["counted_cases"]


def _rows_of(csv_file, worker_of: bytearray, index: int):
    """A worker's records: those of the file in its groups."""
    size = len(worker_of)
    for line, values in csv_file.raw_records():
        if (worker_of[line] if line < size else 0) == index:
            yield line, values


def _worker(index: int, workers: int, pipe, ctx, csv_file, worker_of, now, actor_id, parent) -> None:
    """A forked worker: import its groups' rows, report each chunk and, at the end, its state."""
    try:
        db.engine.dispose(close=False)  # nothing of the parent's pool (it was closed anyway)
        ctx.actor = db.session.get(User, actor_id) if actor_id is not None else None
        statistics = import_loop.Statistics(share=workers) if index == 0 else None

        def on_chunk(rows: int, imported: int, errors: list) -> None:
            if os.getppid() != parent:  # the import's process is gone (killed): stop, not commit
                raise WorkerFailed("the import's process ended")
            pipe.send(("chunk", rows, imported, errors))

        import_loop.run_chunks(ctx, _rows_of(csv_file, worker_of, index), now, on_chunk, statistics)
        pipe.send(("done", {"counts": ctx.counts, "seen_charges": ctx.seen_charges,
                            "named_departments": ctx.named_departments,
                            "rejected_cases": ctx.rejected_cases, "counted_cases": ctx.counted_cases}))
    except BaseException:
        log.exception("import worker %d failed", index)
        db.session.rollback()
        with contextlib.suppress(OSError):  # the parent may be gone
            pipe.send(("failed", "an import worker stopped because of an internal error"))
    finally:
        db.session.remove()
        db.engine.dispose()
        pipe.close()
