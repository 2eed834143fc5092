"""Every UI string has a Japanese translation (the default locale)."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "_l": None, "ngettext": (1, 2)}
METHODS = [("app/**.py", "python"), ("app/**/templates/**.html", "jinja2")]


def test_every_message_is_translated_to_japanese():
    extracted = {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _ctx in extract_from_dir(
            str(ROOT), METHODS, keywords=KEYWORDS
        )
    }
    with open(ROOT / "app/translations/ja/LC_MESSAGES/messages.po", "rb") as fh:
        catalog = read_po(fh, locale="ja")
    translated = {m.id for m in catalog if m.id and m.string and "fuzzy" not in m.flags}
    assert len(extracted) > 100  # the extraction itself found the app's strings
    missing = sorted(extracted - translated - {""})
    assert not missing, f"untranslated: {missing}"
