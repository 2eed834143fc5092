"""The WSGI entry point: gunicorn wsgi:app, flask --app wsgi."""

from app import create_app
from app.ticker import start_in_process

app = create_app()


def serve_demo():
    """`make run`: the app, plus (without Redis) the periodic jobs on a thread of this process."""
    start_in_process(app)
    return app
