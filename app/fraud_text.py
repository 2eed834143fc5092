"""What makes a text look like fraud to a citizen (a web address, bank account words, a long
run of digits that is not the callback number): shared by the SMS templates, the rendered
messages and the department settings (a department name lands in every message and on
/senders). The shared kernel: imports nothing of the app."""

import re
import unicodedata

# Web addresses: a scheme, www., an IP address, or a bare domain (any label, then a dot and a
# country code or a common generic TLD: example.com, 例.jp, bit.ly/x, t.co).
GENERIC_TLDS = (
    "com|net|org|info|biz|xyz|top|site|online|shop|store|app|dev|link|click|live|life|club|"
    "vip|work|tech|page|blog|asia|tokyo|osaka|mobi|name|pro|icu|cyou|buzz|fun|space|website|"
    "email|support|help|pay|bank|money|finance|services|gov|edu|int|jobs|tel|cloud|digital|one"
)
URL_PATTERNS = (
    re.compile(r"[a-z][a-z0-9+.-]*://", re.IGNORECASE),
    re.compile(r"\bwww\d?\.", re.IGNORECASE),
    re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b"),
    re.compile(rf"[\w-]+\.(?:[a-z]{{2}}|{GENERIC_TLDS})(?![a-z])", re.IGNORECASE),
)
BANK_WORDS = re.compile(
    r"口座|振り?込み?先|普通預金|当座預金|\baccount\s*(?:no\b|number|#)|\bbank\s+account"
    r"|\bacct\b|\biban\b|\bsort\s+code|\brouting\s+number",
    re.IGNORECASE,
)
DIGIT_RUN = re.compile(r"\d+(?:-\d+)*")
ISO_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
MIN_ACCOUNT_DIGITS = 7


def digits(text: str) -> str:
    return re.sub(r"\D", "", unicodedata.normalize("NFKC", text or ""))


def is_callback(digits: str, callback_digits: str) -> bool:
    if not callback_digits:
        return False
    international = "81" + callback_digits[1:] if callback_digits.startswith("0") else None
    return digits in (callback_digits, international)


def unsafe_reasons(text: str, callback_phone: str = "", check_digits: bool = True) -> list[str]:
    """Why `text` (NFKC-folded) could pass for a phishing message: "url", "bank" (account
    words, or with `check_digits` a run of 7+ digits that is not `callback_phone`)."""
    folded = unicodedata.normalize("NFKC", text or "")
    reasons = []
    if any(p.search(folded) for p in URL_PATTERNS):
        reasons.append("url")
    callback = digits(callback_phone)
    runs = [digits(r) for r in DIGIT_RUN.findall(folded) if not ISO_DATE.fullmatch(r)]
    if BANK_WORDS.search(folded) or (check_digits and any(
            len(r) >= MIN_ACCOUNT_DIGITS and not is_callback(r, callback) for r in runs)):
        reasons.append("bank")
    return reasons
