"""Vonage's webhooks: delivery receipts (/webhooks/vonage/status) and replies
(/webhooks/vonage/inbound), as GET query strings, form POSTs or JSON POSTs.

A request whose `sig` does not verify with VONAGE_SIGNATURE_SECRET (the SDK's own check) or
whose `timestamp` is more than 5 minutes off gets 401 and changes nothing; without a secret
every request is refused (401), in sandbox mode too (the sandbox phone has a route of its
own), unless VONAGE_ALLOW_UNSIGNED=1 says otherwise (a warning at start and on /admin/ops).
A malformed body, or a `timestamp` that is not a plausible Unix time, gets 400; everything
Vonage should not send again gets 200 (it retries on anything else). \
Also plugs the rest of the SMS screens into the app (see `init_app`).
"""

import json
import logging
from urllib.parse import parse_qsl

from flask import Blueprint, current_app, jsonify, request
from vonage_http_client import Auth

from app import clock
from app.extensions import csrf, db
from app.sms.providers import provider_name
from app.sms.receipts import ReceiptError, apply_receipt, handle_inbound
from app.text_input import bad_text

log = logging.getLogger(__name__)

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks/vonage")
csrf.exempt(bp)

MAX_BODY_BYTES = 16 * 1024  # a receipt is ~500 bytes, a reply part at most a few hundred more
MAX_FIELDS = 64
MAX_CLOCK_SKEW_SECONDS = 5 * 60
MAX_TIMESTAMP_DIGITS = 11  # Unix seconds: 10 digits until the year 2286
UNSIGNED_WARNING = "VONAGE_ALLOW_UNSIGNED=1: Vonage webhooks are accepted without a valid signature."


def init_app(app) -> None:
    """Register the webhooks; warn when they are accepted unsigned."""
    app.register_blueprint(bp)
    if app.config.get("VONAGE_ALLOW_UNSIGNED"):
        app.logger.warning(UNSIGNED_WARNING)
    elif provider_name(app.config) == "vonage" and not app.config.get("VONAGE_SIGNATURE_SECRET"):
        app.logger.warning("VONAGE_SIGNATURE_SECRET is not set: every Vonage webhook is refused (401).")


def _form(raw: bytes) -> dict:
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, encoding="utf-8",
                          errors="strict", max_num_fields=MAX_FIELDS)
    except UnicodeDecodeError as exc:
        raise ReceiptError("the body is not UTF-8") from exc
    except ValueError as exc:
        raise ReceiptError("too many fields") from exc
    params: dict = {}
    for key, value in pairs:
        params.setdefault(key, value)
    return params


def read_params() -> dict:
    """The webhook's parameters from the query string (GET), a form or a JSON object (POST)."""
    if request.method == "GET":
        if len(request.query_string) > MAX_BODY_BYTES:
            raise ReceiptError("the query string is too large")
        return _storable(_form(request.query_string))
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise ReceiptError("the body is too large")
    data = request.stream.read(MAX_BODY_BYTES + 1)
    if len(data) > MAX_BODY_BYTES:
        raise ReceiptError("the body is too large")
    if not data.strip():
        raise ReceiptError("the body is empty")
    if request.mimetype == "application/json":
        try:
            params = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # deep nesting: RecursionError
            raise ReceiptError("the body is not valid JSON") from exc
        if not isinstance(params, dict) or len(params) > MAX_FIELDS:
            raise ReceiptError("the body must be a JSON object")
        return _storable(params)
    if request.mimetype in ("application/x-www-form-urlencoded", ""):
        return _storable(_form(data))
    raise ReceiptError("unsupported content type")


def _storable(params: dict) -> dict:
    """`params`, unless they hold text the database cannot store (NUL, lone surrogates)."""
    problem = bad_text(params)
    if problem:
        raise ReceiptError(problem)
    return params


def check_timestamp(params: dict) -> None:
    """A `timestamp`, when there is one, must be a plausible Unix time (ReceiptError)."""
    timestamp = params.get("timestamp")
    if timestamp is None:
        return
    if isinstance(timestamp, bool) or not isinstance(timestamp, str | int):
        raise ReceiptError("timestamp must be a Unix time")
    value = str(timestamp).strip()
    if not value.isascii() or not value.isdigit() or len(value) > MAX_TIMESTAMP_DIGITS:
        raise ReceiptError("timestamp must be a Unix time")


def signature_ok(params: dict, now_ts: float) -> bool:
    """`sig` must verify with the signature secret and `timestamp` be recent. Without a secret
    nothing verifies; VONAGE_ALLOW_UNSIGNED=1 lets a request without a `sig` through."""
    config = current_app.config
    secret = config.get("VONAGE_SIGNATURE_SECRET")
    sig, timestamp = params.get("sig"), params.get("timestamp")
    if config.get("VONAGE_ALLOW_UNSIGNED") and (not secret or sig in (None, "")):
        return True
    if not secret:
        return False
    # compare_digest refuses non-ASCII text with a TypeError: such a sig is simply wrong.
    if not isinstance(sig, str) or not sig or not sig.isascii() or isinstance(timestamp, bool):
        return False
    try:
        skew = abs(now_ts - int(str(timestamp)))
    except ValueError:
        return False
    if skew > MAX_CLOCK_SKEW_SECONDS:
        return False
    auth = Auth(api_key=config.get("VONAGE_API_KEY") or "webhooks", signature_secret=secret,
                signature_method=config.get("VONAGE_SIGNATURE_METHOD") or "sha256")
    return auth.check_signature(dict(params))


def _handle(kind: str, apply):
    now = clock.utcnow()
    try:
        params = read_params()
        check_timestamp(params)
    except ReceiptError as exc:
        return jsonify(error=str(exc)), 400
    if not signature_ok(params, now.timestamp()):
        log.warning("Vonage %s webhook refused: bad signature or stale timestamp", kind)
        return jsonify(error="signature check failed"), 401
    try:
        result = apply(params, now)
    except ReceiptError as exc:
        db.session.rollback()
        return jsonify(error=str(exc)), 400
    db.session.commit()
    return jsonify(result=result), 200


@bp.route("/status", methods=["GET", "POST"])
def status():
    """A delivery receipt."""
    return _handle("status", apply_receipt)


@bp.route("/inbound", methods=["GET", "POST"])
def inbound():
    """A reply from a citizen (an opt-out keyword opts the number out)."""

    def apply(params, now):
        row = handle_inbound(params, now)
        return "duplicate" if row is None else ("opted_out" if row.opt_out else "stored")

    return _handle("inbound", apply)
