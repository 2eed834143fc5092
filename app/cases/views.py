"""Case pages: the operator's home (next case, search), the case screen, imports."""

from flask import Blueprint, render_template
from flask_login import login_required

from app.auth.access import roles_required
from app.auth.models import Role

bp = Blueprint("cases", __name__)


def init_app(app) -> None:
    app.register_blueprint(bp)


@bp.get("/")
@login_required
def home():
    return render_template("cases/home.html")


@bp.get("/imports")
@roles_required(Role.SUPERVISOR, Role.MANAGER, Role.ADMIN)
def imports():
    return render_template("cases/imports.html")
