"""The sandbox phone (/sandbox/phone): each number's messages as the citizen's phone shows
them, and a reply typed on that phone, which goes through the inbound webhook's code.
Only when the SMS provider is the sandbox (404 otherwise); any staff role."""

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import clock
from app.audit.services import record
from app.extensions import db
from app.sms.providers import provider_name
from app.sms.providers.sandbox import conversation, numbers_for, sandbox_reply
from app.sms.receipts import ReceiptError, handle_inbound

bp = Blueprint("sms_sandbox", __name__, url_prefix="/sandbox")

MAX_REPLY_CHARS = 500
TICKS = {"sent": "✓", "delivered": "✓✓", "failed": "✗", "expired": "✗", "rejected": "✗"}


def init_app(app) -> None:
    if "sms_sandbox" not in app.blueprints:
        app.register_blueprint(bp)
    app.jinja_env.globals["sms_sandbox_active"] = sandbox_active


def sandbox_active() -> bool:
    return provider_name(current_app.config) == "sandbox"


@bp.before_request
def only_with_the_sandbox():
    if not sandbox_active():
        abort(404)


def _bubble_dict(bubble) -> dict:
    return {
        "key": bubble.key, "incoming": bubble.incoming, "sender": bubble.sender, "text": bubble.text,
        "at": bubble.at.isoformat(), "time": format_datetime(bubble.at, "short"),
        "status": bubble.status, "ticks": TICKS.get(bubble.status, ""),
        "failed": bubble.status in ("failed", "expired", "rejected"),
    }


def _chosen(numbers: list[str]) -> str | None:
    """The number asked for, if the user may see it (404 otherwise), else the newest."""
    asked = request.values.get("number", "").strip()
    if not asked:
        return numbers[0] if numbers else None
    if asked not in numbers:
        abort(404)
    return asked


@bp.get("/phone")
@login_required
def phone():
    numbers = numbers_for(current_user)
    number = _chosen(numbers)
    bubbles = conversation(number, current_user) if number else []
    return render_template("sms/sandbox_phone.html", numbers=numbers, number=number,
                           bubbles=[_bubble_dict(b) for b in bubbles], max_reply=MAX_REPLY_CHARS)


@bp.get("/phone/messages")
@login_required
def messages():
    """The chosen number's screen as JSON, for the page's auto-refresh."""
    number = _chosen(numbers_for(current_user))
    if number is None:
        return jsonify(number=None, messages=[])
    return jsonify(number=number, messages=[_bubble_dict(b) for b in conversation(number, current_user)])


@bp.post("/phone/reply")
@login_required
def reply():
    """Send `text` from the sandbox phone `number` back to the city."""
    number = _chosen(numbers_for(current_user))
    if number is None:
        abort(404)
    text = request.form.get("text", "").strip()
    if not text or len(text) > MAX_REPLY_CHARS:
        flash(_("Type a reply of 1 to %(n)d characters.", n=MAX_REPLY_CHARS), "error")
        return redirect(url_for(".phone", number=number))
    bubbles = conversation(number, current_user)
    to = next((b.sender for b in reversed(bubbles) if b.incoming), "")
    now = clock.utcnow()
    try:
        row = handle_inbound(sandbox_reply(number, to, text, now), now)
    except ReceiptError:
        abort(400)
    if row is not None:
        record(current_user, "sandbox.reply", "inbound_sms", row.id, now)
        if row.opt_out:
            flash(_("The number opted out: it gets no more SMS."), "success")
    db.session.commit()
    return redirect(url_for(".phone", number=number))
