"""Vonage's SMS API through the official `vonage` SDK (key + secret authentication).

The SDK's answers are mapped onto the provider interface:
- status 0 for every part -> the accepted parts (one per part of a long message);
- throttled (status 1, HTTP 429), provider hiccups (status 5, 10, HTTP 5xx) and connection
  failures before the request went out -> ProviderRetry (nothing was sent);
- the answer lost after the request went out (read timeout, connection dropped) ->
  ProviderNoAnswer (it may have been sent: never resend blindly);
- any other status -> ProviderRejected with Vonage's code and text; a dead number for 6
  (unroutable), 7 (barred), 33 (deactivated); a partial failure keeps the accepted parts.
"""

import logging
import re
import threading

import requests
import urllib3.exceptions
from vonage import Auth, HttpClientOptions, Vonage
from vonage_http_client.errors import HttpRequestError, RateLimitedError
from vonage_sms import SmsMessage as VonageSms
from vonage_sms.errors import PartialFailureError, SmsError

from app.sms.encoding import shape
from app.sms.providers import AcceptedPart, ProviderNoAnswer, ProviderRejected, ProviderRetry

log = logging.getLogger(__name__)

# https://developer.vonage.com/messaging/sms/guides/troubleshooting-sms (status -> meaning)
THROTTLED = "1"
RETRY_STATUSES = frozenset({"1", "5", "10"})  # throttled, internal error, too many binds
DEAD_NUMBER_STATUSES = frozenset({"6", "7", "33"})  # unroutable, barred, de-activated
_SMS_ERROR = re.compile(r"error code (\d+): ?(.*)", re.S)
DEFAULT_TIMEOUT_SECONDS = 10


def _quiet_sdk_logging() -> None:
    # The SDK logs request bodies (numbers, message text) at DEBUG and error bodies at WARNING;
    # personal data stays out of the logs, so only its errors get through.
    logging.getLogger("vonage").setLevel(logging.ERROR)


class VonageProvider:
    name = "vonage"

    def __init__(self, config):
        if not config.get("VONAGE_API_KEY") or not config.get("VONAGE_API_SECRET"):
            raise RuntimeError("SMS_PROVIDER=vonage needs VONAGE_API_KEY and VONAGE_API_SECRET")
        self._auth = Auth(api_key=config["VONAGE_API_KEY"], api_secret=config["VONAGE_API_SECRET"])
        self._options = HttpClientOptions(
            rest_host=config.get("VONAGE_REST_HOST") or "rest.nexmo.com",
            timeout=int(config.get("VONAGE_TIMEOUT_SECONDS") or DEFAULT_TIMEOUT_SECONDS),
            # One connection per client: the SDK re-sends a request whose connection dropped as
            # many times as the pool is large, which could text a citizen twice.
            pool_connections=1, pool_maxsize=1,
            max_retries=2,  # urllib3 retries connects only: a POST is never re-sent by it
        )
        self._local = threading.local()  # one client (and HTTP session) per thread
        self._clients: list[Vonage] = []
        self._lock = threading.Lock()
        _quiet_sdk_logging()

    def _client(self) -> Vonage:
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = Vonage(self._auth, self._options)
            with self._lock:
                self._clients.append(client)
        return client

    def close(self) -> None:
        """Close every HTTP session this provider opened (tests; a process exit does it too)."""
        with self._lock:
            clients, self._clients = self._clients, []
        for client in clients:
            client.http_client._session.close()
        self._local = threading.local()

    def send(self, message) -> list[AcceptedPart]:
        """Hand `message` to Vonage; the parts it accepted, or one of the provider errors."""
        try:
            request = VonageSms(
                to=message.to_e164.removeprefix("+"), from_=message.sender, text=message.text,
                type="unicode" if shape(message.text).unicode else "text", client_ref=message.client_ref,
            )
        except ValueError as exc:  # pydantic: a field Vonage would refuse anyway
            raise ProviderRejected("invalid", f"the request is not valid: {exc.__class__.__name__}") from None
        try:
            response = self._client().sms.send(request)
        except PartialFailureError as exc:
            raise _partial_failure(exc.response) from None
        except SmsError as exc:
            raise _status_error(str(exc)) from None
        except RateLimitedError as exc:
            raise ProviderRetry("HTTP 429 Too Many Requests", retry_after=_retry_after(exc.response),
                                throttled=True) from None
        except HttpRequestError as exc:
            raise _http_error(exc.response) from None
        except requests.RequestException as exc:
            raise _transport_error(exc) from None
        except (TypeError, KeyError, ValueError):  # a 2xx answer that is not the SMS API's JSON
            raise ProviderNoAnswer("unreadable answer from Vonage") from None
        return [AcceptedPart(provider_message_id=part.message_id, price=part.message_price,
                             network=part.network) for part in response.messages]


def _rejection(status: str, text: str, accepted=()) -> Exception:
    if status in RETRY_STATUSES and not accepted:
        return ProviderRetry(f"Vonage status {status}: {text}", throttled=status == THROTTLED)
    return ProviderRejected(status, text, dead_number=status in DEAD_NUMBER_STATUSES, accepted=accepted)


def _status_error(error: str) -> Exception:
    """SmsError carries the status only in its text: "... error code 7: Number barred"."""
    match = _SMS_ERROR.search(error)
    if match is None:
        return ProviderRejected("unknown", error[:300])
    return _rejection(match.group(1), match.group(2).strip()[:300])


def _partial_failure(body: dict) -> Exception:
    """Some parts of a long message were accepted, some refused: the citizen already has the
    accepted parts, so sending again would repeat them. The message fails (with the first
    refusal's status) and keeps the accepted parts for their receipts."""
    messages = body.get("messages", []) if isinstance(body, dict) else []
    accepted = tuple(AcceptedPart(m.get("message-id"), m.get("message-price"), m.get("network"))
                     for m in messages if m.get("status") == "0" and m.get("message-id"))
    refused = next((m for m in messages if m.get("status") != "0"), {})
    status = str(refused.get("status", "unknown"))
    text = str(refused.get("error-text", "partial failure"))[:300]
    if not accepted:
        return _rejection(status, text)
    return ProviderRejected(status, f"{text} ({len(accepted)} of {len(messages)} parts accepted)",
                            dead_number=status in DEAD_NUMBER_STATUSES, accepted=accepted)


def _retry_after(response) -> float | None:
    value = response.headers.get("Retry-After") if response is not None else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _http_error(response) -> Exception:
    code = response.status_code
    if code >= 500 or code == 408:
        return ProviderRetry(f"HTTP {code}", retry_after=_retry_after(response))
    return ProviderRejected(f"http-{code}", (response.reason or "HTTP error")[:300])


def _transport_error(exc: requests.RequestException) -> Exception:
    """Nothing left this host (refused, no route, TLS handshake, connect timeout) -> retry;
    the request went out and the answer was lost (read timeout, dropped) -> no answer."""
    if isinstance(exc, requests.ConnectTimeout | requests.exceptions.SSLError):
        return ProviderRetry(f"connection failed: {type(exc).__name__}")
    if isinstance(exc, requests.ConnectionError):
        cause = exc.args[0] if exc.args else None
        reason = getattr(cause, "reason", None)
        if isinstance(cause, urllib3.exceptions.MaxRetryError) and isinstance(
                reason, urllib3.exceptions.NewConnectionError | urllib3.exceptions.ConnectTimeoutError
                | urllib3.exceptions.SSLError | urllib3.exceptions.NameResolutionError):
            return ProviderRetry(f"connection failed: {type(reason).__name__}")
        return ProviderNoAnswer(f"connection lost after sending: {type(cause or exc).__name__}")
    if isinstance(exc, requests.ReadTimeout | requests.exceptions.ChunkedEncodingError
                  | requests.exceptions.ContentDecodingError):
        return ProviderNoAnswer(f"no answer: {type(exc).__name__}")
    return ProviderRetry(f"request failed: {type(exc).__name__}")
