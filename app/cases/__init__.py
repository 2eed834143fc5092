"""Taxpayers, cases, charges and phones: their import, search and the case screen."""


def init_app(app) -> None:
    """The case pages and the import pages (one blueprint), the `phone` template filter and the
    `flask cases` commands."""
    from app import signals
    from app.cases import consent_timeline, consent_views, import_views, views  # noqa: F401 (routes)
    from app.cases.blueprint import bp
    from app.cases.phones import display as phone_display

    app.register_blueprint(bp)
    consent_views.init_app(app)
    signals.case_timeline.connect(consent_timeline.consent_entries)
    app.jinja_env.filters.setdefault("phone", phone_display)
