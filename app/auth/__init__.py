"""Users, roles and permissions, departments and their calendar, API tokens (the bottom layer)."""


def init_app(app) -> None:
    """Login, the user and department pages, the `flask users`/`flask departments` commands."""
    from app.auth import views
    from app.auth.cli import departments_cli, users_cli

    views.init_app(app)
    for group in (users_cli, departments_cli):
        app.cli.add_command(group)
