"""The SMS template editor's form: it only reads what was typed; the checks are the
service's (app.sms.template_editing.template_problems), shared with the JSON API."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField

from app.sms.template_editing import MAX_BODY, TemplateSettings

__all__ = ["MAX_BODY", "TemplateForm"]


class TemplateForm(FlaskForm):
    name = StringField(_l("Name"))
    body_ja = TextAreaField(_l("Japanese text"))
    body_en = TextAreaField(_l("English text"))
    active = BooleanField(_l("Active"), default=True)

    def settings(self) -> TemplateSettings:
        return TemplateSettings(name=self.name.data or "", body_ja=self.body_ja.data or "",
                                body_en=self.body_en.data or "", active=bool(self.active.data))
