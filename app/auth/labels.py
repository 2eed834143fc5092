"""Translatable role names (templates show them with _(role))."""

from flask_babel import lazy_gettext as _l

from app.auth.models import Role

ROLE_LABELS = {
    Role.OPERATOR: _l("operator"),
    Role.SUPERVISOR: _l("supervisor"),
    Role.MANAGER: _l("manager"),
    Role.ADMIN: _l("admin"),
}
