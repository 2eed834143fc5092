"""Folding names for search: kanji, katakana, hiragana, full- and half-width alike."""

import unicodedata

_HIRAGANA_TO_KATAKANA = {code: code + 0x60 for code in range(0x3041, 0x3097)}


def fold(text: str) -> str:
    """NFKC (half-width kana and full-width letters become normal), hiragana to katakana,
    lower case, and spaces squeezed out: 'やまだ　タロウ' and 'ﾔﾏﾀﾞﾀﾛｳ' fold alike."""
    text = unicodedata.normalize("NFKC", text or "").translate(_HIRAGANA_TO_KATAKANA).lower()
    return "".join(text.split())


def taxpayer_search_key(name: str, name_kana: str) -> str:
    return f"{fold(name)} {fold(name_kana)}".strip()
