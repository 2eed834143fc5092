"""SMS providers behind one small interface; SMS_PROVIDER chooses ("vonage" or "sandbox").

A provider's `send(message)` hands one SmsMessage over and returns the parts the provider
accepted, or raises one of the errors below; it never touches the message's status (the send
job does). `ProviderRetry` means "try again later, nothing was sent" (throttled, connection
error, provider-side hiccup); `ProviderRejected` is permanent for this message;
`ProviderNoAnswer` means the provider may or may not have taken it (its answer was lost), so
it must not be sent again blindly.
"""

from dataclasses import dataclass
from typing import Protocol

from flask import current_app
from werkzeug.utils import import_string


@dataclass(frozen=True)
class AcceptedPart:
    provider_message_id: str
    price: str | None = None
    network: str | None = None


class ProviderRetry(Exception):
    """Nothing was sent; try again after `retry_after` seconds (None: the job's backoff)."""

    def __init__(self, reason: str, retry_after: float | None = None, throttled: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.throttled = throttled


class ProviderRejected(Exception):
    """The provider refused the message for good: `code` and `text` as it gave them;
    `dead_number` when the number itself cannot receive SMS (mark the phone unusable);
    `accepted`: parts of a long message it took before refusing the rest (they are kept)."""

    def __init__(self, code: str, text: str, dead_number: bool = False,
                 accepted: tuple[AcceptedPart, ...] = ()):
        super().__init__(f"{code}: {text}")
        self.code = code
        self.text = text
        self.dead_number = dead_number
        self.accepted = tuple(accepted)


class ProviderNoAnswer(Exception):
    """The request may have reached the provider but its answer was lost (read timeout, the
    connection dropped after sending): sending again could text the citizen twice, so the
    message becomes `unknown` until a delivery receipt carrying its client-ref resolves it."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class SmsProvider(Protocol):
    name: str

    def send(self, message) -> list[AcceptedPart]: ...


PROVIDERS = {
    "vonage": "app.sms.providers.vonage.VonageProvider",
    "sandbox": "app.sms.providers.sandbox.SandboxProvider",
}


def provider_name(config) -> str:
    """SMS_PROVIDER, or vonage when an API key is set, else sandbox."""
    chosen = config.get("SMS_PROVIDER")
    if chosen:
        return chosen
    return "vonage" if config.get("VONAGE_API_KEY") else "sandbox"


def get_provider() -> SmsProvider:
    """The configured provider, built once per app."""
    cache = current_app.extensions.setdefault("sms_provider", {})
    name = provider_name(current_app.config)
    if name not in cache:
        cache[name] = import_string(PROVIDERS[name])(current_app.config)
    return cache[name]
