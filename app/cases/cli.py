"""`flask cases ...`."""

import os
import sys

import click
from flask.cli import with_appcontext

from app.cases import importing, jobs
from app.cases.import_options import OptionError, parse_as_of
from app.cases.models import ImportJob, ImportMode, ImportStatus
from app.clock import utcnow
from app.extensions import db

cases_cli = click.Group("cases", help="Import and manage cases.")


class _Bar:
    """A click progress bar opened once the job knows how many rows the file has."""

    def __init__(self):
        self.bar = None
        self.shown = 0

    def __call__(self, processed: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="Importing", file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(processed - self.shown)
        self.shown = processed

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@cases_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--as-of", "as_of", metavar="YYYY-MM-DDTHH:MM",
              help="When the core system produced the file, local time (default: now).")
@click.option("--full", is_flag=True,
              help="A complete snapshot of the departments it names: their open charges missing "
                   "from the file close.")
@with_appcontext
def import_cases(path: str, as_of: str | None, full: bool) -> None:
    """Import cases from a CSV file, in this process (no worker needed).

    Prints what changed. Exits non-zero when a row was rejected (the good rows are still
    imported) or the file cannot be read at all."""
    now = utcnow()
    try:
        extract_time = parse_as_of(as_of, now)
    except OptionError as exc:
        raise click.BadParameter(exc.text, param_hint="--as-of") from None
    with open(path, "rb") as fh:
        content = fh.read()
    job = importing.create_import(None, os.path.basename(path), content, now, extract_time,
                                  ImportMode.FULL if full else ImportMode.DELTA)
    db.session.commit()
    job_id = job.id
    bar = _Bar()
    try:
        jobs.run_import(job_id, on_progress=bar)
    finally:
        bar.close()
    job = db.session.get(ImportJob, job_id)
    if job.status == ImportStatus.FAILED:
        raise click.ClickException(f"import failed: {job.message}")
    click.echo(f"imported {job.imported} of {job.total} rows")
    for line in summary_lines(job.summary or {}):
        click.echo(line)
    for error in job.errors:
        click.echo(f"line {error['line']}, column {error['column']}: {error['message']}")
    if job.message:
        click.echo(job.message)
    if job.errors:
        click.get_current_context().exit(1)


def summary_lines(summary: dict) -> list[str]:
    """The import summary as the CLI prints it."""
    if not summary:
        return []
    charges, cases, paid = summary["charges"], summary["cases"], summary["payments_applied"]
    return [
        f"charges: new {charges['new']}, changed {charges['changed']}, closed {charges['closed']} "
        f"(absent from the snapshot {charges['closed_absent']})",
        f"cases: opened {cases['opened']}, reopened {cases['reopened']}, closed {cases['closed']}",
        f"payments still applied on top of the extract: {paid['count']} ({paid['amount']} yen)",
    ]
