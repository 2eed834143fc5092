"""The options of a case import: `as_of` (when the core system produced the file, local time)
and `mode` (delta or full), as the CLI, the API and the upload form take them."""

from datetime import datetime

from flask_babel import lazy_gettext as _l

from app import clock
from app.cases.models import ImportMode
from app.date_limits import MAX_DATE, MIN_DATE

AS_OF_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")


class OptionError(ValueError):
    """A bad import option; `field` names it, `message` (translated, lazy) says why, `text` too
    in English (the CLI, which has no request and so no locale)."""

    def __init__(self, field: str, text: str, message):
        super().__init__(text)
        self.field = field
        self.text = text
        self.message = message


def parse_as_of(text: str | None, now: datetime) -> datetime | None:
    """`YYYY-MM-DDTHH:MM` in the municipality's time zone -> UTC; None when empty. Refuses
    dates outside 1900-2199 and a time in the future (an extract cannot come from tomorrow)."""
    text = (text or "").strip()
    if not text:
        return None
    for fmt in AS_OF_FORMATS:
        try:
            local = datetime.strptime(text, fmt)
            break
        except ValueError:
            continue
    else:
        raise OptionError("as_of", "as_of must be a local time YYYY-MM-DDTHH:MM.",
                          _l("as_of must be a local time YYYY-MM-DDTHH:MM."))
    if not MIN_DATE <= local.date() <= MAX_DATE:
        raise OptionError("as_of", "as_of must lie between 1900-01-01 and 2199-12-31.",
                          _l("as_of must lie between 1900-01-01 and 2199-12-31."))
    moment = local.replace(tzinfo=clock.local_zone()).astimezone(now.tzinfo)
    if moment > now:
        raise OptionError("as_of", "as_of is in the future.",
                          _l("as_of is in the future."))
    return moment


def parse_mode(text: str | None) -> str:
    """`delta` (the default, also for empty) or `full`."""
    text = (text or "").strip().lower() or ImportMode.DELTA
    if text not in {str(m) for m in ImportMode}:
        raise OptionError("mode", "mode must be delta or full.",
                          _l("mode must be delta or full."))
    return text
