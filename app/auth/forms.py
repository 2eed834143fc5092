from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange


class LoginForm(FlaskForm):
    login = StringField(_l("Login"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class DepartmentForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    sender_id = StringField(_l("SMS sender ID"), validators=[DataRequired(), Length(max=15)])
    callback_phone = StringField(_l("Callback number"), validators=[DataRequired(), Length(max=32)])
    calling_hours = StringField(_l("Calling hours"), validators=[DataRequired(), Length(max=11)])
    sms_hours = StringField(_l("SMS hours"), validators=[DataRequired(), Length(max=11)])
    rest_days = StringField(_l("Rest days"), validators=[Length(max=64)])
    max_calls_per_day = IntegerField(_l("Calls a day at most"), validators=[NumberRange(1, 20)])
    max_calls_per_week = IntegerField(_l("Calls in 7 days at most"), validators=[NumberRange(1, 100)])
    closures = TextAreaField(_l("Closure dates"), validators=[Length(max=8000)])
