"""Pages citizens may read without logging in."""

from flask import Blueprint, render_template
from sqlalchemy import select

from app.auth.departments import format_hours
from app.auth.models import Department
from app.extensions import db

bp = Blueprint("public", __name__)


def init_app(app) -> None:
    app.register_blueprint(bp)


@bp.get("/senders")
def senders():
    """Each department's published SMS sender ID and callback number."""
    departments = db.session.scalars(select(Department).order_by(Department.code)).all()
    return render_template("public/senders.html", departments=departments,
                           callback_hours=lambda d: format_hours(d.calling_start, d.calling_end))
