from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange

from app.calls.models import CallDirection, CallOutcome
from app.ids import MAX_ID

OUTCOME_LABELS = {
    CallOutcome.ANSWERED: _l("Answered"),
    CallOutcome.THIRD_PARTY: _l("Third party"),
    CallOutcome.NO_ANSWER: _l("No answer"),
    CallOutcome.BUSY: _l("Busy"),
    CallOutcome.VOICEMAIL: _l("Voicemail"),
    CallOutcome.WRONG_NUMBER: _l("Wrong number"),
    CallOutcome.INVALID_NUMBER: _l("Invalid number"),
}

DIRECTION_LABELS = {
    CallDirection.OUTBOUND: _l("Outbound"),
    CallDirection.INBOUND: _l("Inbound"),
}


class CallForm(FlaskForm):
    """One phone's call form: the outcome comes from the button pressed (name="outcome"),
    the phone id from a hidden input the template writes."""

    phone_id = IntegerField(validators=[DataRequired(), NumberRange(1, MAX_ID)])
    # Rendered as one submit button per outcome, not as an input.
    outcome = StringField(validators=[DataRequired(), AnyOf([str(o) for o in CallOutcome])])
    # Rendered by the template as a <select> of DIRECTION_LABELS (no SelectField: its tuple
    # choices are deprecated in WTForms 3.3 and SelectChoice does not exist before it).
    direction = StringField(_l("Direction"), default=CallDirection.OUTBOUND.value,
                            validators=[AnyOf([str(d) for d in CallDirection])])
    notes = TextAreaField(_l("Notes"), validators=[Length(max=4000)])
    # 本人確認済み: counts only with the Answered button (the other buttons ignore it).
    identity_verified = BooleanField(_l("Identity confirmed"))
    submission_key = HiddenField(validators=[Length(max=64)])
