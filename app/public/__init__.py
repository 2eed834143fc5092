"""Public pages (no login): the department's published SMS sender IDs."""


def init_app(app) -> None:
    from app.public import views

    views.init_app(app)
