"""Reports: KPI queries, the screen, CSV, PDF and the monthly archive (a top layer)."""


def init_app(app) -> None:
    from app.reports import views

    views.init_app(app)
