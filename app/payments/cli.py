"""`flask payments import FILE.csv`."""

import click
from flask.cli import with_appcontext

payments_cli = click.Group("payments", help="Payments from the revenue system.")


@payments_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_command(path: str) -> None:
    """Record the payments of a CSV (payment_ref,case_ref,amount,paid_on); prints the counts
    and the rows rejected. Exits non-zero only when the file cannot be read at all."""
    from app.clock import utcnow
    from app.payments.importing import FileError, import_payments

    with open(path, "rb") as fh:
        content = fh.read()
    try:
        report = import_payments(content, utcnow())
    except FileError as exc:
        raise click.ClickException(f"the file cannot be imported: {exc}") from None
    click.echo(f"rows: {report.total}, recorded: {report.created}, already recorded: {report.replayed}, "
               f"rejected: {len({e['line'] for e in report.errors})}")
    for error in report.errors:
        click.echo(f"line {error['line']}, column {error['column']}: {error['message']}")
