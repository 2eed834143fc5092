"""The JSON API, /api/v1 (the top layer: it may use every domain's services)."""


def init_app(app) -> None:
    """The API blueprint with every route module, and JSON for unmatched /api/v1 URLs."""
    from werkzeug.exceptions import HTTPException

    from app.api import (  # noqa: F401 (routes)
        amount_due,
        cases,
        configuration,
        imports,
        inbox,
        openapi,
        payments,
        promises,
        reports,
    )
    from app.api.blueprint import bp, routing_error

    app.register_blueprint(bp)
    app.register_error_handler(HTTPException, routing_error)
