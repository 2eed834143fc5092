"""Login, logout, the language switch, and the department settings page."""

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app import clock
from app.auth import departments as dept_service
from app.auth import throttle
from app.auth.access import roles_required
from app.auth.forms import DepartmentForm, LoginForm
from app.auth.models import Department, Role, User
from app.auth.permissions import CONFIG_EDITORS, CONFIG_READERS
from app.auth.services import authenticate, user_for_token
from app.extensions import db, login_manager
from app.i18n import LANGUAGES

bp = Blueprint("auth", __name__)


def init_app(app) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"
    app.register_blueprint(bp)


@login_manager.user_loader
def load_user(user_id: str):
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None


@login_manager.request_loader
def load_user_from_token(req):
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    user = user_for_token(header[len("Bearer "):].strip(), clock.utcnow())
    if user is not None and db.session.dirty:
        db.session.commit()  # last_used_at moved
    return user


def _safe_next(target: str | None) -> str:
    """`target` if it is a path on this site, else the home page. Browsers drop tabs and line
    breaks from a URL and read a backslash as a slash: "/<tab>/x.example" would leave the site."""
    if (target and target.startswith("/") and not target.startswith("//")
            and all(c.isprintable() and not c.isspace() and c != "\\" for c in target)):
        return target
    return url_for("queue.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        now, address = clock.utcnow(), throttle.address_key(request.remote_addr)
        if throttle.address_blocked(address, now):
            # Not even checked: the password stays unknown to someone trying many of them.
            flash(_("Too many failed logins from your network. Wait a few minutes and try again."),
                  "error")
            return render_template("auth/login.html", form=form), 429
        user = authenticate(form.login.data.strip(), form.password.data, now)
        if user is None:
            throttle.record_failure(address, now)
        db.session.commit()  # failure counters and lock-out are kept even on failure
        if user is not None:
            session.clear()  # a fresh session on login
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        flash(_("Login failed, or the account is locked. Try again later."), "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.post("/language/<lang>")
def set_language(lang: str):
    if lang in LANGUAGES:
        session["lang"] = lang
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/departments/<code>/settings", methods=["GET", "POST"])
@roles_required(*CONFIG_EDITORS)
def department_settings(code: str):
    dept = dept_service.department_by_code(code)
    if dept is None or not (current_user.role == Role.ADMIN or dept.id == current_user.department_id):
        abort(404)
    form = DepartmentForm(data=dept_service.settings_of(dept))
    if form.validate_on_submit():
        try:
            fields = {f.name: f.data for f in form if f.name != "csrf_token"}
            settings = dept_service.DepartmentSettings(**fields)
            dept_service.update_department(dept, settings, clock.utcnow(), current_user)
        except dept_service.DepartmentError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Department settings saved."), "success")
            return redirect(url_for("auth.department_settings", code=code))
    return render_template("auth/department_settings.html", form=form, department=dept)


@bp.route("/departments")
@roles_required(*CONFIG_READERS)
def department_list():
    query = db.select(Department).order_by(Department.code)
    if current_user.role == Role.SUPERVISOR:
        query = query.where(Department.id == current_user.department_id)
    departments = db.session.scalars(query).all()
    return render_template("auth/departments.html", departments=departments)
