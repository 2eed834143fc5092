"""The SMS template editor's form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.sms.template_editing import TemplateSettings

MAX_BODY = 1000  # characters; a longer text would be a costly SMS of 15+ parts


class TemplateForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    body_ja = TextAreaField(_l("Japanese text"), validators=[DataRequired(), Length(max=MAX_BODY)])
    body_en = TextAreaField(_l("English text"), validators=[Length(max=MAX_BODY)])
    active = BooleanField(_l("Active"), default=True)

    def settings(self) -> TemplateSettings:
        return TemplateSettings(name=self.name.data or "", body_ja=self.body_ja.data or "",
                                body_en=self.body_en.data or "", active=bool(self.active.data))
