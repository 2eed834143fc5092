"""Who may see what: role checks for views and API routes, and department scoping."""

from functools import wraps

from flask import abort, jsonify, request
from flask_login import current_user
from sqlalchemy import Select

from app.auth.models import Role

# Roles that see every department's cases.
ALL_DEPARTMENTS = frozenset({Role.MANAGER, Role.ADMIN})


def roles_required(*roles: Role):
    """Allow a view only to logged-in users with one of `roles` (401/redirect, else 403)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                if request.blueprint == "api":
                    return jsonify(error="authentication required"), 401
                from app.extensions import login_manager

                return login_manager.unauthorized()
            if current_user.role not in roles:
                if request.blueprint == "api":
                    return jsonify(error="forbidden for your role"), 403
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


ANY_ROLE = tuple(Role)


def scope_cases(stmt: Select, user, case_model) -> Select:
    """Limit a case query to what `user` may see: their department, or all for managers/admins."""
    if user.role in ALL_DEPARTMENTS:
        return stmt
    return stmt.where(case_model.department_id == user.department_id)


def can_see_department(user, department_id: int) -> bool:
    return user.role in ALL_DEPARTMENTS or user.department_id == department_id
