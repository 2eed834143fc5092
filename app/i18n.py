"""Japanese and English: the locale of each request, and the language switch."""

from flask import Flask, request, session
from flask_login import current_user

from app.extensions import babel

LANGUAGES = ("ja", "en")


def select_locale() -> str:
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    best = request.accept_languages.best_match(LANGUAGES) if request else None
    return best or "ja"


def init_app(app: Flask) -> None:
    babel.init_app(
        app, locale_selector=select_locale, timezone_selector=lambda: app.config["TIMEZONE"]
    )

    @app.context_processor
    def inject_languages():
        from flask_babel import get_locale

        return {"languages": LANGUAGES, "current_locale": str(get_locale()), "me": current_user}
