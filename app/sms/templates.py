"""SMS template text: placeholders, the checks that keep a message from looking like fraud,
rendering for one case, and the editor's preview (characters, encoding, segments, cost).

A placeholder is `{name}` and nothing else: no attribute access, no format spec, no literal
braces, so a template can never reach into Python objects and an unknown placeholder is a
validation error when the template is saved, not a crash when the message is sent.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, time

from flask import current_app
from flask_babel import lazy_gettext as _

from app.fraud_text import (
    BANK_WORDS,
    DIGIT_RUN,
    ISO_DATE,
    MIN_ACCOUNT_DIGITS,
    URL_PATTERNS,
    unsafe_reasons,
)
from app.fraud_text import (
    digits as _digits,
)
from app.fraud_text import (
    is_callback as _is_callback,
)
from app.sms.encoding import cost, shape
from app.sms.models import Disclosure


@dataclass(frozen=True)
class Placeholder:
    """A placeholder and whether it is personal: it names the person or the debt, so a
    template using it goes only to a verified phone (地方税法第22条). A new placeholder must
    say which it is."""

    name: str
    personal: bool


PLACEHOLDER_SPECS = (
    Placeholder("name", personal=True),
    Placeholder("amount", personal=True),
    Placeholder("due_date", personal=True),
    Placeholder("department", personal=False),
    Placeholder("callback_phone", personal=False),
    Placeholder("callback_hours", personal=False),  # the department's calling hours
    Placeholder("case_ref", personal=False),
)
PLACEHOLDERS = tuple(p.name for p in PLACEHOLDER_SPECS)
PERSONAL_PLACEHOLDERS = frozenset(p.name for p in PLACEHOLDER_SPECS if p.personal)
LANGUAGES = ("ja", "en")
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
FIELD = re.compile(r"\{([^{}]*)\}")

# Sample values for the preview: the longest a real message plausibly gets, so the counts
# the editor shows are not an optimistic guess. Names are kept in kanji even in English
# messages (that is how they are stored), so {name} makes an English message UCS-2 too.
SAMPLE_NAME = "勅使河原 左衛門三郎"
SAMPLE_AMOUNT = 99_999_999
SAMPLE_DUE_DATE = date(2026, 12, 31)
SAMPLE_CASE_REF = "R2026-00012345"



def tokens(body: str) -> list[tuple[str, str]]:
    """Split a body into ("text", ...) and ("field", name) tokens (no validation)."""
    out, pos = [], 0
    for match in FIELD.finditer(body):
        if match.start() > pos:
            out.append(("text", body[pos:match.start()]))
        out.append(("field", match.group(1)))
        pos = match.end()
    if pos < len(body):
        out.append(("text", body[pos:]))
    return out


def _placeholder_errors(body: str) -> list:
    errors, seen = [], set()
    for kind, value in tokens(body):
        if (kind, value if kind == "field" else "") in seen:
            continue
        if kind == "text":
            if "{" in value or "}" in value:
                seen.add(("text", ""))
                errors.append(_("Unbalanced braces: use { and } only around a placeholder."))
            continue
        seen.add((kind, value))
        if re.search(r"[.\[\]]", value):
            errors.append(_("{%(field)s}: attribute access is not allowed.", field=value))
        elif re.search(r"[:!]", value):
            errors.append(_("{%(field)s}: format specifications are not allowed.", field=value))
        elif value not in PLACEHOLDERS:
            errors.append(_("Unknown placeholder {%(field)s}. Known: %(known)s.", field=value,
                            known=", ".join("{" + p + "}" for p in PLACEHOLDERS)))
    return errors


def _without_fields(body: str) -> str:
    """The literal text of a body (placeholders become spaces), NFKC-folded, so full-width
    letters and digits are checked like their ASCII forms."""
    literal = "".join(value if kind == "text" else " " for kind, value in tokens(body))
    return unicodedata.normalize("NFKC", literal)


def template_errors(body: str, department) -> list:
    """Why `body` may not be used as a message of `department` (empty when it may); lazy
    strings, translated when shown."""
    body = body or ""
    if not body.strip():
        return [_("The message text is required.")]
    errors = _placeholder_errors(body)
    literal = _without_fields(body)
    if any(p.search(literal) for p in URL_PATTERNS):
        errors.append(_("No web addresses or links: citizens are told that a message with a link "
                        "is not from us."))
    callback_digits = _digits(department.callback_phone)
    runs = [_digits(r) for r in DIGIT_RUN.findall(literal) if not ISO_DATE.fullmatch(r)]
    if BANK_WORDS.search(literal) or any(
        len(r) >= MIN_ACCOUNT_DIGITS and not _is_callback(r, callback_digits) for r in runs
    ):
        errors.append(_("No bank account details: no account words and no numbers of 7 or more "
                        "digits other than the callback number."))
    stripped = body.lstrip()
    if not (stripped.startswith("【{department}】") or stripped.startswith(f"【{department.name}】")):
        errors.append(_("The message must start with the department's name in 【】: "
                        "【{department}】 or 【%(name)s】.", name=department.name))
    if "{callback_phone}" not in body and not any(_is_callback(r, callback_digits) for r in runs):
        errors.append(_("The message must give the callback number: {callback_phone} or "
                        "%(phone)s.", phone=department.callback_phone))
    return errors


def format_amount(amount: int) -> str:
    return f"{amount:,}"


def format_date(value: date | None, language: str) -> str:
    """2026年11月30日 in Japanese, 30 Nov 2026 in English (never the server's locale)."""
    if value is None:
        return ""
    if language == "en":
        return f"{value.day} {MONTHS_EN[value.month - 1]} {value.year}"
    return f"{value.year}年{value.month}月{value.day}日"


def fill(body: str, values: dict[str, str]) -> str:
    """Replace each known placeholder; anything else is left as written (never an error)."""
    return "".join(
        value if kind == "text" else values.get(value, "{" + value + "}") for kind, value in tokens(body)
    )


def personal_fields(body: str) -> list[str]:
    """The personal placeholders `body` uses, in order of first use."""
    found = []
    for kind, value in tokens(body or ""):
        if kind == "field" and value in PERSONAL_PLACEHOLDERS and value not in found:
            found.append(value)
    return found


def disclosure_of(*bodies: str) -> Disclosure:
    """personal when any of `bodies` uses a personal placeholder, else generic."""
    return Disclosure.PERSONAL if any(personal_fields(b) for b in bodies) else Disclosure.GENERIC


def format_hours(start: time, end: time, language: str) -> str:
    """9:00〜20:00 (ja) or 9:00-20:00 (en): when the callback line answers."""
    def clock_text(t: time) -> str:
        return "24:00" if t == time.max else f"{t.hour}:{t.minute:02d}"

    return f"{clock_text(start)}{'〜' if language == 'ja' else '-'}{clock_text(end)}"


def callback_hours(department, language: str) -> str:
    """The department's calling hours as a message quotes them ("" when it has none)."""
    start, end = getattr(department, "calling_start", None), getattr(department, "calling_end", None)
    return format_hours(start, end, language) if start is not None and end is not None else ""


def render(body: str, case, department, due_date: date | None = None, language: str = "ja") -> str:
    """The message text for `case`: `due_date` defaults to the case's oldest due date."""
    values = {
        "name": case.taxpayer.name,
        "amount": format_amount(case.balance),
        "due_date": format_date(due_date or case.oldest_due_date, language),
        "department": department.name,
        "callback_phone": department.callback_phone,
        "callback_hours": callback_hours(department, language),
        "case_ref": case.case_ref,
    }
    return fill(body, values)


def unsafe_text(text: str, case, department) -> bool:
    """Whether a rendered message could pass for fraud although its template passed the
    checks: a name, case reference or department name brought a web address or bank details
    into it. The whole text is checked for links and account words (the template's own text
    has none: whatever is found came in through a value); the free-text values (name,
    department name) are also checked for long digit runs, which references and amounts
    legitimately have."""
    if unsafe_reasons(text, department.callback_phone, check_digits=False):
        return True
    names = [department.name] + ([case.taxpayer.name] if case is not None else [])
    return any(value and value in text and unsafe_reasons(value, department.callback_phone)
               for value in names)


def sample_values(department, language: str) -> dict[str, str]:
    return {
        "name": SAMPLE_NAME,
        "amount": format_amount(SAMPLE_AMOUNT),
        "due_date": format_date(SAMPLE_DUE_DATE, language),
        "department": department.name,
        "callback_phone": department.callback_phone,
        "callback_hours": callback_hours(department, language),
        "case_ref": SAMPLE_CASE_REF,
    }


def preview(body: str, department, language: str) -> dict:
    """What the editor shows for one body: the text rendered with long sample values, its
    characters, encoding, segments and estimated cost, and the validation errors."""
    body = body or ""
    text = fill(body, sample_values(department, language))
    text_shape = shape(text)
    return {
        "text": text,
        "chars": len(text),
        "units": text_shape.units,
        "encoding": text_shape.encoding,
        "encoding_label": "UCS-2" if text_shape.unicode else "GSM-7",
        "segments": text_shape.segments if text else 0,
        "cost": cost(text_shape.segments if text else 0, current_app.config["SMS_COST_PER_SEGMENT"]),
        "errors": [str(e) for e in template_errors(body, department)] if body.strip() else [],
        "disclosure": str(disclosure_of(body)),
        "personal_fields": personal_fields(body),
    }
