"""How a text travels as SMS: GSM-7 or UCS-2, how many segments, what it costs.

GSM 03.38: 160 characters in one segment, 153 per part of a long message; characters of the
extension table (^{}\\[~]|€ and form feed) take two. UCS-2 (anything else, Japanese
included): 70 in one segment, 67 per part, counted in UTF-16 code units (an emoji takes two).
"""

import math
from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")
GSM7 = "gsm7"
UCS2 = "ucs2"


@dataclass(frozen=True)
class SmsShape:
    encoding: str  # "gsm7" or "ucs2"
    units: int  # characters as the network counts them (septets or UTF-16 code units)
    segments: int

    @property
    def unicode(self) -> bool:
        """True when the provider must be told `type=unicode`."""
        return self.encoding == UCS2


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def shape(text: str) -> SmsShape:
    """The encoding, length in network units and number of segments of `text`."""
    if is_gsm7(text):
        units = sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)
        single, multi, encoding = 160, 153, GSM7
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, UCS2
    segments = 1 if units <= single else math.ceil(units / multi)
    return SmsShape(encoding, units, max(segments, 1))


def cost(segments: int, per_segment: float) -> float:
    return round(segments * per_segment, 2)
