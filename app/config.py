"""Settings, read from the environment when the app is created (never at import)."""

import os
from pathlib import Path

DEV_SECRET_KEY = "dev-only-not-secret"
MIN_SECRET_KEY_LENGTH = 32


def secret_key_problem(config: dict) -> str | None:
    """Why the app must not start with this SECRET_KEY, or None. Only a PostgreSQL database
    (production) requires a real key; the SQLite demo may run with the development one."""
    if not str(config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("postgresql"):
        return None
    key = config.get("SECRET_KEY") or ""
    if key == DEV_SECRET_KEY or len(str(key)) < MIN_SECRET_KEY_LENGTH:
        return (f"SECRET_KEY must be set to a random value of at least {MIN_SECRET_KEY_LENGTH} "
                "characters when DATABASE_URL is PostgreSQL (anyone could forge a session with a "
                "public or short key), e.g. SECRET_KEY=$(python -c 'import secrets; "
                "print(secrets.token_hex(32))')")
    return None


def database_url(raw: str | None, instance_path: str) -> str:
    """Return a SQLAlchemy URL: DATABASE_URL normalised to psycopg 3, or SQLite in instance/."""
    if not raw:
        return f"sqlite:///{Path(instance_path) / 'collections.db'}"
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix):]
    return raw


def from_environment(instance_path: str) -> dict:
    """Collect every setting the app reads from the environment, with its default."""
    env = os.environ
    return {
        "SECRET_KEY": env.get("SECRET_KEY") or DEV_SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": database_url(env.get("DATABASE_URL"), instance_path),
        "REDIS_URL": env.get("REDIS_URL") or None,
        "TIMEZONE": env.get("TIMEZONE", "Asia/Tokyo"),
        "MUNICIPALITY_NAME": env.get("MUNICIPALITY_NAME", "Demo City"),
        "CLAIM_MINUTES": int(env.get("CLAIM_MINUTES", "15")),
        "LOGIN_MAX_FAILURES": int(env.get("LOGIN_MAX_FAILURES", "5")),
        "LOGIN_LOCK_MINUTES": int(env.get("LOGIN_LOCK_MINUTES", "15")),
        # Failed logins per client address (any account) before that address must wait.
        "LOGIN_MAX_FAILURES_PER_ADDRESS": int(env.get("LOGIN_MAX_FAILURES_PER_ADDRESS", "20")),
        "LOGIN_ADDRESS_WINDOW_MINUTES": int(env.get("LOGIN_ADDRESS_WINDOW_MINUTES", "15")),
        # New password hashes (werkzeug's syntax); a cheap one is refused unless TESTING.
        "PASSWORD_HASH_METHOD": env.get("PASSWORD_HASH_METHOD", "scrypt"),
        # Operations (see README, "Production").
        "LOG_FORMAT": env.get("LOG_FORMAT", "plain"),  # plain | json (one object per line)
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO"),
        "TRUST_PROXY_HOPS": int(env.get("TRUST_PROXY_HOPS", "0")),  # reverse proxies in front
        "FIXED_LINE_RETRY_HOURS": int(env.get("FIXED_LINE_RETRY_HOURS", "4")),
        "UNANSWERED_RETRY_HOURS": int(env.get("UNANSWERED_RETRY_HOURS", "2")),
        "CONTACT_RETRY_DAYS": int(env.get("CONTACT_RETRY_DAYS", "3")),
        # SMS (see README, "SMS and escalation").
        "SMS_PROVIDER": env.get("SMS_PROVIDER") or None,  # vonage | sandbox (default: by key)
        "SMS_RATE_PER_SECOND": float(env.get("SMS_RATE_PER_SECOND", "30")),
        "SMS_COST_PER_SEGMENT": float(env.get("SMS_COST_PER_SEGMENT", "10")),  # yen, estimate
        "SMS_MAX_ATTEMPTS": int(env.get("SMS_MAX_ATTEMPTS", "8")),
        # A phone is verified for personal SMS this long after an identity-confirmed answered call.
        "VERIFIED_PHONE_DAYS": int(env.get("VERIFIED_PHONE_DAYS", "180")),
        "SMS_SENDING_STUCK_MINUTES": int(env.get("SMS_SENDING_STUCK_MINUTES", "10")),
        # Backoff between retries of a throttled or failed send: base x 2^(attempt-1), capped.
        "SMS_RETRY_BASE_SECONDS": float(env.get("SMS_RETRY_BASE_SECONDS", "2")),
        "SMS_RETRY_MAX_SECONDS": float(env.get("SMS_RETRY_MAX_SECONDS", "300")),
        # Whole seconds (the SDK's type) before an unanswered send becomes `unknown`.
        "VONAGE_TIMEOUT_SECONDS": int(env.get("VONAGE_TIMEOUT_SECONDS", "10")),
        # Promises to pay (see README, "Promises and payments").
        "PROMISE_HORIZON_DAYS": int(env.get("PROMISE_HORIZON_DAYS", "90")),
        "PROMISE_GRACE_DAYS": int(env.get("PROMISE_GRACE_DAYS", "3")),
        "PROMISE_TOLERANCE_PERCENT": float(env.get("PROMISE_TOLERANCE_PERCENT", "100")),
        "PROMISE_REMINDER_TIME": env.get("PROMISE_REMINDER_TIME", "10:00"),
        "PROMISE_MAX_INSTALMENTS": int(env.get("PROMISE_MAX_INSTALMENTS", "12")),
        # 延滞金 (see README, "延滞金"): years added to or overriding the published rates.
        "LATE_FEE_RATES": env.get("LATE_FEE_RATES", ""),  # "2027=3.0/9.3,2028=3.1/9.4"
        # No payment-reminder SMS while the case had a payment this recently (README, "Payments"),
        # nor this long after a reply saying "paid" (issue 10, app.inbox).
        "PAYMENT_LAG_DAYS": int(env.get("PAYMENT_LAG_DAYS", "14")),
        "VONAGE_API_KEY": env.get("VONAGE_API_KEY") or None,
        "VONAGE_API_SECRET": env.get("VONAGE_API_SECRET") or None,
        "VONAGE_SIGNATURE_SECRET": env.get("VONAGE_SIGNATURE_SECRET") or None,
        "VONAGE_SIGNATURE_METHOD": env.get("VONAGE_SIGNATURE_METHOD", "sha256"),
        # Webhooks without a valid signature are refused (401) unless this is 1 (then a warning).
        "VONAGE_ALLOW_UNSIGNED": env.get("VONAGE_ALLOW_UNSIGNED", "") == "1",
        # Contact caps per E.164 number across all departments (app.sms.caps).
        "SMS_MAX_PER_NUMBER_PER_DAY": int(env.get("SMS_MAX_PER_NUMBER_PER_DAY", "1")),
        "SMS_MAX_PER_NUMBER_PER_WEEK": int(env.get("SMS_MAX_PER_NUMBER_PER_WEEK", "3")),
        # Retention (app.periodic, "retention"): uploaded import files, SMS and reply texts.
        # A case file of this many lines or more is imported by IMPORT_WORKERS processes on
        # PostgreSQL (app.cases.import_workers; 1 keeps every import in one process).
        "IMPORT_WORKERS": int(env.get("IMPORT_WORKERS", "2")),
        "IMPORT_PARALLEL_ROWS": int(env.get("IMPORT_PARALLEL_ROWS", "20000")),
        "IMPORT_FILE_RETENTION_DAYS": int(env.get("IMPORT_FILE_RETENTION_DAYS", "30")),
        "SMS_TEXT_RETENTION_DAYS": int(env.get("SMS_TEXT_RETENTION_DAYS", "1825")),
        "VONAGE_REST_HOST": env.get("VONAGE_REST_HOST", "rest.nexmo.com"),
        "BABEL_DEFAULT_LOCALE": env.get("DEFAULT_LOCALE", "ja"),
        "BABEL_DEFAULT_TIMEZONE": env.get("TIMEZONE", "Asia/Tokyo"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env.get("SESSION_COOKIE_SECURE", "") == "1",
        "MAX_CONTENT_LENGTH": int(env.get("MAX_UPLOAD_MB", "50")) * 1024 * 1024,
        # hide_parameters: a database error in a log must not carry a taxpayer's name or phone.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
    }
