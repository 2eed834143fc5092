"""Who may see what: role checks for views and API routes, and department scoping."""

from functools import wraps

from flask import abort, jsonify, request
from flask_login import current_user
from sqlalchemy import Select, select

from app.auth.models import Department, Role
from app.auth.permissions import ALL_DEPARTMENTS, CONFIG_EDITORS
from app.extensions import db


def roles_required(*roles: Role):
    """Allow a view only to logged-in users with one of `roles` (401/redirect, else 403)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                if request.blueprint == "api":
                    return jsonify(error="authentication required", fields={}), 401
                from app.extensions import login_manager

                return login_manager.unauthorized()
            if current_user.role not in roles:
                if request.blueprint == "api":
                    return jsonify(error="forbidden for your role", fields={}), 403
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def scope_cases(stmt: Select, user, case_model) -> Select:
    """Limit a case query to what `user` may see: their department, or all for managers/admins."""
    if user.role in ALL_DEPARTMENTS:
        return stmt
    return stmt.where(case_model.department_id == user.department_id)


def can_see_department(user, department_id: int) -> bool:
    return user.role in ALL_DEPARTMENTS or user.department_id == department_id


def visible_departments(user) -> list[Department]:
    """The departments whose configuration and cases `user` may see, by code."""
    stmt = select(Department).order_by(Department.code)
    if user.role not in ALL_DEPARTMENTS:
        stmt = stmt.where(Department.id == user.department_id)
    return list(db.session.scalars(stmt))


def pick_department(user, code: str | None) -> Department | None:
    """The department a page is about: a supervisor's own; for managers and admins the one
    named by `code` (None when they may not see it), or the first."""
    departments = visible_departments(user)
    if code:
        return next((d for d in departments if d.code == code), None)
    own = next((d for d in departments if d.id == user.department_id), None)
    return own or (departments[0] if departments else None)


def can_edit(user, department_id: int) -> bool:
    """May `user` change `department_id`'s configuration (rules, templates, settings)?"""
    return user.role in CONFIG_EDITORS and (user.role == Role.ADMIN or user.department_id == department_id)
