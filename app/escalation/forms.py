"""The rule editor's form. Choices are StringFields checked with AnyOf and rendered as
<select> by the template from the label maps below (as in app.calls.forms: WTForms 3.3
deprecates tuple choices, and SelectChoice does not exist before it)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional

from app.escalation.editing import LIMITS, RuleSettings
from app.escalation.models import Action, PhoneScope, Trigger
from app.ids import MAX_ID

TRIGGER_LABELS = {
    Trigger.UNANSWERED_CALLS: _l("N unanswered calls in a row within D days"),
    Trigger.PROMISE_DUE: _l("A promise to pay falls due in D days"),
    Trigger.PROMISE_BROKEN: _l("A promise to pay was broken"),
}
ACTION_LABELS = {
    Action.SEND_SMS: _l("Send an SMS (template) to the best consented mobile"),
    Action.RAISE_PRIORITY: _l("Raise the case's priority"),
    Action.HAND_TO_SUPERVISOR: _l("Hand the case to a supervisor"),
}
SCOPE_LABELS = {
    PhoneScope.MOBILE: _l("Only calls to a mobile count"),
    PhoneScope.ANY: _l("Calls to any phone count"),
}
LANGUAGE_LABELS = {"ja": _l("Japanese"), "en": _l("English")}


def _range(name: str) -> NumberRange:
    return NumberRange(*LIMITS[name])


class RuleForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    trigger = StringField(_l("Trigger"), default=Trigger.UNANSWERED_CALLS.value,
                          validators=[AnyOf([str(t) for t in Trigger])])
    count = IntegerField(_l("Unanswered calls (N)"), default=2,
                         validators=[InputRequired(), _range("count")])
    window_days = IntegerField(_l("Days (D)"), default=14,
                               validators=[InputRequired(), _range("window_days")])
    phone_scope = StringField(_l("Which calls count"), default=PhoneScope.MOBILE.value,
                              validators=[AnyOf([str(s) for s in PhoneScope])])
    action = StringField(_l("Action"), default=Action.SEND_SMS.value,
                         validators=[AnyOf([str(a) for a in Action])])
    template_id = IntegerField(_l("SMS template"), validators=[Optional(), NumberRange(1, MAX_ID)])
    language = StringField(_l("Language of the SMS"), default="ja",
                           validators=[AnyOf(list(LANGUAGE_LABELS))])
    priority_boost = IntegerField(_l("Priority points to add"), default=0,
                                  validators=[InputRequired(), _range("priority_boost")])
    delay_minutes = IntegerField(_l("Delay (minutes)"), default=0,
                                 validators=[InputRequired(), _range("delay_minutes")])
    active = BooleanField(_l("Active"), default=True)

    def settings(self, rule_id: int | None = None) -> RuleSettings:
        return RuleSettings(
            name=self.name.data or "", trigger=self.trigger.data, count=self.count.data,
            window_days=self.window_days.data, phone_scope=self.phone_scope.data,
            action=self.action.data, template_id=self.template_id.data or None,
            language=self.language.data, priority_boost=self.priority_boost.data,
            delay_minutes=self.delay_minutes.data, active=bool(self.active.data), id=rule_id,
        )
