"""The rule editor's form: it parses what was typed (integers); every check of the values
is the service's (app.escalation.editing.rule_problems), shared with the JSON API. Choices are
StringFields rendered as <select> by the template from the label maps below (as in
app.calls.forms: WTForms 3.3 deprecates tuple choices, and SelectChoice does not exist before
it)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import InputRequired, Optional

from app.escalation.editing import RuleSettings
from app.escalation.models import ACTION_ALIASES, Action, PhoneScope, Trigger

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


class RuleForm(FlaskForm):
    name = StringField(_l("Name"))
    trigger = StringField(_l("Trigger"), default=Trigger.UNANSWERED_CALLS.value)
    count = IntegerField(_l("Unanswered calls (N)"), default=2, validators=[InputRequired()])
    window_days = IntegerField(_l("Days (D)"), default=14, validators=[InputRequired()])
    phone_scope = StringField(_l("Which calls count"), default=PhoneScope.MOBILE.value)
    action = StringField(_l("Action"), default=Action.SEND_SMS.value)
    template_id = IntegerField(_l("SMS template"), validators=[Optional()])
    fallback_template_id = IntegerField(_l("Generic fallback (phone not verified)"), validators=[Optional()])
    language = StringField(_l("Language of the SMS"), default="ja")
    priority_boost = IntegerField(_l("Priority points to add"), default=0, validators=[InputRequired()])
    delay_minutes = IntegerField(_l("Delay (minutes)"), default=0, validators=[InputRequired()])
    active = BooleanField(_l("Active"), default=True)

    def settings(self, rule_id: int | None = None) -> RuleSettings:
        return RuleSettings(
            name=self.name.data or "", trigger=self.trigger.data, count=self.count.data,
            window_days=self.window_days.data, phone_scope=self.phone_scope.data,
            action=ACTION_ALIASES.get(self.action.data, self.action.data),
            template_id=self.template_id.data or None,
            fallback_template_id=self.fallback_template_id.data or None,
            language=self.language.data, priority_boost=self.priority_boost.data,
            delay_minutes=self.delay_minutes.data, active=bool(self.active.data), id=rule_id,
        )
