"""`flask users ...` and `flask departments ...`."""

import sys

import click
from flask.cli import with_appcontext

from app.auth import departments as dept_service
from app.auth import services
from app.auth.models import Role, User
from app.clock import utcnow
from app.extensions import db

users_cli = click.Group("users", help="Create users and API tokens.")
departments_cli = click.Group("departments", help="Create and change departments.")


@users_cli.command("create")
@click.argument("login")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--department", "department_code", default=None, help="Department code.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--name", "display_name", default="", help="Display name.")
@with_appcontext
def create_user(login, role, department_code, password_stdin, display_name):
    """Create a user (asks for the password unless --password-stdin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    department = None
    if department_code:
        department = dept_service.department_by_code(department_code)
        if department is None:
            raise click.ClickException(f"no department {department_code!r}")
    try:
        services.create_user(login, role, password, department, utcnow(), display_name=display_name)
    except services.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"created {role} {login}")


@users_cli.command("token")
@click.argument("login")
@with_appcontext
def create_token(login):
    """Print a new API token for LOGIN (shown once; only its hash is stored)."""
    user = db.session.scalar(db.select(User).where(User.login == login))
    if user is None:
        raise click.ClickException(f"no user {login!r}")
    token = services.create_token(user, utcnow())
    db.session.commit()
    click.echo(token)


@users_cli.command("revoke-token")
@click.argument("prefix")
@with_appcontext
def revoke_token(prefix):
    """Revoke the API token whose first 10 characters are PREFIX."""
    count = services.revoke_token(prefix, utcnow())
    db.session.commit()
    if not count:
        raise click.ClickException(f"no active token starts with {prefix!r}")
    click.echo(f"revoked {count} token(s)")


@departments_cli.command("create")
@click.argument("code")
@click.argument("name")
@click.option("--sender-id", required=True, help="SMS sender: up to 11 letters/digits or a number.")
@click.option("--callback-phone", required=True, help="The number citizens call back.")
@click.option("--calling-hours", default="09:00-20:00", show_default=True)
@click.option("--sms-hours", default="09:00-20:00", show_default=True)
@click.option("--rest-days", default=dept_service.DEFAULT_REST_DAYS, show_default=True,
              help="mon..sun, holidays and year_end (12/29-1/3), comma-separated, or none.")
@click.option("--closures", default="", help="Closure dates YYYY-MM-DD, comma-separated.")
@with_appcontext
def create_department(code, name, sender_id, callback_phone, calling_hours, sms_hours, rest_days,
                      closures):
    """Create a department CODE called NAME."""
    settings = dept_service.DepartmentSettings(
        name=name, sender_id=sender_id, callback_phone=callback_phone,
        calling_hours=calling_hours, sms_hours=sms_hours, rest_days=rest_days, closures=closures,
    )
    try:
        dept_service.create_department(code, settings, utcnow())
    except dept_service.DepartmentError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"created department {code}")


@departments_cli.command("set")
@click.argument("code")
@click.option("--name", default=None)
@click.option("--sender-id", default=None)
@click.option("--callback-phone", default=None)
@click.option("--calling-hours", default=None)
@click.option("--sms-hours", default=None)
@click.option("--rest-days", default=None, help="mon..sun, holidays, year_end, or none.")
@click.option("--closures", default=None,
              help="Closure dates YYYY-MM-DD, comma-separated (replaces the list; '' clears it).")
@click.option("--max-calls-per-day", type=int, default=None)
@click.option("--max-calls-per-week", type=int, default=None)
@with_appcontext
def set_department(code, **changes):
    """Change department CODE's settings; options not given keep their value."""
    dept = dept_service.department_by_code(code)
    if dept is None:
        raise click.ClickException(f"no department {code!r}")
    values = dept_service.settings_of(dept)
    values.update({k: v for k, v in changes.items() if v is not None})
    try:
        dept_service.update_department(dept, dept_service.DepartmentSettings(**values), utcnow(), None)
    except dept_service.DepartmentError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"updated department {code}")
