"""Keyword classification of a citizen's reply: says_paid, callback, wrong_person or other.

The text is folded first (NFKC: full-width letters and digits become half-width; case and
spaces ignored). A wrong-person reply wins over the others (「知らない番号です、電話しないで」 must
not ask for a call), then "paid", then "call me" (which includes a time such as 15時 or 3:30).
"""

import re
import unicodedata

from app.sms.models import ReplyClass

WRONG_PERSON_WORDS = (
    "違います", "ちがいます", "違う", "知らない", "知りません", "しらない", "人違い", "別人", "番号違い",
    "間違い電話", "番号間違い", "宛先間違い", "心当たりがない", "心当たりない", "心当たりはない",
    "心当たりありません",
    "関係ない", "関係ありません", "wrong number", "wrong person", "not me",
)
SAYS_PAID_WORDS = (
    "払いました", "払った", "支払った", "支払いました", "支払済", "支払い済", "支払ってます", "払ってます",
    "納付しました", "納付した", "納付済", "納めました", "納めた", "振り込みました", "振込みました",
    "振込ました", "振り込んだ", "入金しました", "入金済", "i paid", "have paid", "already paid",
)
CALLBACK_WORDS = (
    "電話ください", "電話下さい", "電話をください", "電話を下さい", "電話して", "電話お願い", "電話をお願い",
    "折り返し", "おりかえし", "連絡ください", "連絡下さい", "連絡をください", "連絡して", "かけ直",
    "call me", "call back", "callback",
)
# A time of day: 15時, 15時半, 3:30, 午後3時, 午前中
_TIME = re.compile(r"\d{1,2}\s*時|\d{1,2}:\d{2}|午前|午後")


def fold(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text or "").casefold()).strip()


def classify(text: str) -> ReplyClass:
    """The reply's class by keywords (see the module docstring)."""
    folded = fold(text)
    squeezed = folded.replace(" ", "")
    if any(w in folded or w in squeezed for w in WRONG_PERSON_WORDS):
        return ReplyClass.WRONG_PERSON
    if any(w in folded or w in squeezed for w in SAYS_PAID_WORDS):
        return ReplyClass.SAYS_PAID
    if any(w in folded or w in squeezed for w in CALLBACK_WORDS) or _TIME.search(folded):
        return ReplyClass.CALLBACK
    return ReplyClass.OTHER
