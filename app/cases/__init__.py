"""Taxpayers, cases, charges and phones: their import, search and the case screen."""


def init_app(app) -> None:
    """The case pages and the import pages (one blueprint), the `phone` template filter and the
    `flask cases` commands."""
    from app.cases import import_views, views  # noqa: F401 (they add routes to the blueprint)
    from app.cases.blueprint import bp
    from app.cases.phones import display as phone_display

    app.register_blueprint(bp)
    app.jinja_env.filters.setdefault("phone", phone_display)
