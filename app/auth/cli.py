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
departments_cli = click.Group("departments", help="Create departments.")


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
@click.option("--rest-days", default="sun,holidays", show_default=True,
              help="mon..sun and holidays, comma-separated, or none.")
@with_appcontext
def create_department(code, name, sender_id, callback_phone, calling_hours, sms_hours, rest_days):
    """Create a department CODE called NAME."""
    settings = dept_service.DepartmentSettings(
        name=name, sender_id=sender_id, callback_phone=callback_phone,
        calling_hours=calling_hours, sms_hours=sms_hours, rest_days=rest_days,
    )
    try:
        dept_service.create_department(code, settings, utcnow())
    except dept_service.DepartmentError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"created department {code}")
