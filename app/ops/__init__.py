"""Operations: health and readiness probes, structured logs, security headers, the admin page."""


def init_app(app) -> None:
    """The probes and the operations page."""
    from app.ops import views

    views.init_app(app)
