"""`flask promises judge` and `flask promises remind`: the periodic jobs, once, by hand."""

import click
from flask.cli import with_appcontext

promises_cli = click.Group("promises", help="Promises to pay: judgement and reminders.")


@promises_cli.command("judge")
@with_appcontext
def judge_command() -> None:
    """Judge the promises whose date + grace has passed (what the hourly job does)."""
    from app.promises.judge import judge_promises

    counts = judge_promises()
    click.echo(", ".join(f"{kind}: {n}" for kind, n in counts.items()))


@promises_cli.command("remind")
@with_appcontext
def remind_command() -> None:
    """Send the promise-due reminders that are due now (nothing before PROMISE_REMINDER_TIME)."""
    from app.promises.reminders import remind_due_promises, reminder_time

    fired = remind_due_promises()
    click.echo(f"reminders: {fired} (sent from {reminder_time().strftime('%H:%M')} local time)")
