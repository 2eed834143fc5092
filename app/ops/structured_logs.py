"""Logs: plain text by default, one JSON object per line with LOG_FORMAT=json.

No personal data goes into a log. Our own log calls carry ids and counts only; as a second
line of defence every record loses the query string of a logged URL (searches carry names
and phone numbers) and anything shaped like a phone number (a database error's DETAIL may
quote one).
"""

import json
import logging
import re
import sys
from datetime import UTC, datetime

from flask import Flask, g, has_request_context

_QUERY_STRING = re.compile(r"(/[^\s?\"']*)\?[^\s\"']*")
_PHONE = re.compile(r"(?<![\w.:-])(?:\+\d{9,15}|0\d{1,4}-\d{1,4}-\d{3,4}|0\d{9,10})(?![\w.:-])")
_HANDLER_MARK = "_collections_handler"


def redact(text: str) -> str:
    """`text` without URL query strings and without phone-number-like runs of digits."""
    return _PHONE.sub("[phone]", _QUERY_STRING.sub(r"\1", text))


class RedactingFilter(logging.Filter):
    """Rewrites a record's message (its arguments merged in) through `redact`."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, and the request
    id or the RQ job id when there is one; an exception's traceback as `exc_info`."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = _request_id()
        if request_id:
            entry["request_id"] = request_id
        job_id = _job_id()
        if job_id:
            entry["job_id"] = job_id
        if record.exc_info:
            entry["exc_info"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exc_info"] = redact(record.exc_text)
        return json.dumps(entry, ensure_ascii=False)


def _request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


def _job_id() -> str | None:
    try:
        from rq import get_current_job

        job = get_current_job()
    except Exception:  # outside a worker, or no connection: no job id
        return None
    return job.id if job is not None else None


def install(stream=None, fmt: str = "json", level: str | int = "INFO") -> logging.Handler:
    """Send every logger's records to `stream` (stderr) in `fmt`, replacing the handler a
    previous call installed; returns the handler (tests remove it again)."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    setattr(handler, _HANDLER_MARK, True)
    handler.addFilter(RedactingFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level if isinstance(level, int) else level.upper())
    return handler


def init_app(app: Flask) -> None:
    """JSON logs for the whole process when LOG_FORMAT=json; always strip query strings from
    the development server's request lines (`make run`)."""
    logging.getLogger("werkzeug").addFilter(_WERKZEUG_FILTER)
    if app.config.get("LOG_FORMAT") == "json":
        install(fmt="json", level=app.config.get("LOG_LEVEL", "INFO"))
        app.logger.handlers.clear()  # Flask's own handler would print the records twice
        app.logger.propagate = True


_WERKZEUG_FILTER = RedactingFilter()
