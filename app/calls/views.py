"""Call logging from the case screen."""

from flask import Blueprint

bp = Blueprint("calls", __name__)


def init_app(app) -> None:
    app.register_blueprint(bp)
