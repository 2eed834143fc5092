"""A fake Vonage SMS API over TLS on 127.0.0.1, for tests and bench/ (no pytest needed).

It speaks the wire format of `POST https://rest.nexmo.com/sms/json` (form or JSON body, or GET
query; api_key/api_secret in the body or HTTP Basic auth): one `messages` entry per part of a
long message (GSM-7: 160, or 153 a part; UCS-2: 70, or 67 a part), `client-ref` echoed. It
records every request (thread-safe), has its own token-bucket rate limit (over it: status 1
"Throttled", counted), can be told to answer the next requests with a status, an HTTP error or
a hang, or every request for a while with one of them (an outage), refuses given numbers for
good, and makes delivery receipts (DLRs) as Vonage posts them to a webhook, for the accepted
parts, handed to a callback.

    with FakeVonage(directory) as fake:       # makes a self-signed certificate in directory
        env = {"REQUESTS_CA_BUNDLE": fake.ca_file, "VONAGE_REST_HOST": fake.host, ...}
"""

import itertools
import secrets
import ssl
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from tests.sms.fake_vonage_wire import (
    Bucket,
    Handler,
    Request,
    Server,
    authorised,
    count_parts,
    error_body,
    sign,
)
from tests.sms.tls import make_certificate

__all__ = ["FakeVonage", "Request", "count_parts", "sign"]


class FakeVonage:
    """The fake server. `host` is "127.0.0.1:PORT" (VONAGE_REST_HOST); `ca_file` its certificate."""

    def __init__(self, directory, api_key: str = "fakekey", api_secret: str = "fakesecret",
                 rate_limit: float | None = None, burst: float | None = None, network: str = "44010",
                 price: str = "0.07000000"):
        self.api_key, self.api_secret = api_key, api_secret
        self.network, self.price = network, price
        self.cert_file, self.key_file = make_certificate(Path(directory))
        self.ca_file = str(self.cert_file)
        self._lock = threading.Lock()
        self._requests: list[Request] = []
        self._script: list[tuple] = []  # what to answer the next requests with, in order
        self._outages: list[tuple] = []  # (from, until, answer): every request in between gets it
        self._open_outage: tuple | None = None  # every request gets it until set_outage(None)
        self.refuse: dict[str, tuple[str, str]] = {}  # to (no "+") -> (status, error-text)
        self.partial: dict[str, tuple[int, str, str]] = {}  # to -> (failing part index, status, text)
        self._bucket = None
        self.set_rate_limit(rate_limit, burst)
        self._release = threading.Event()
        self._ids = itertools.count(1)
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # --- life cycle -----------------------------------------------------------------------

    def start(self) -> "FakeVonage":
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self.key_file)
        self._server = Server(("127.0.0.1", 0), Handler, self, context)
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-vonage",
                                        kwargs={"poll_interval": 0.05})
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving: hung requests are released, open connections closed, threads joined."""
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.close_connections()
            self._server.server_close()
            self._thread.join()
            self._server = None

    def __enter__(self) -> "FakeVonage":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    # --- what to answer -------------------------------------------------------------------

    def set_rate_limit(self, per_second: float | None, burst: float | None = None) -> None:
        """Throttle (status 1) over `per_second` requests a second; `burst` tokens of slack
        (default: a tenth of a second's worth, at least 3) absorb network jitter."""
        with self._lock:
            if not per_second:
                self._bucket = None
            else:
                self._bucket = Bucket(per_second, burst or max(3.0, per_second / 10))

    def answer_next(self, count: int, status: str, text: str) -> None:
        """Answer the next `count` requests with SMS API status `status` (1: Throttled, 5: ...)."""
        with self._lock:
            self._script.extend([("status", str(status), text)] * count)

    def http_error_next(self, count: int, code: int, retry_after: int | None = None) -> None:
        """Answer the next `count` requests with HTTP `code` (429, 500, 503...)."""
        with self._lock:
            self._script.extend([("http", code, retry_after)] * count)

    def hang_next(self, count: int, seconds: float, after: int = 0) -> None:
        """After `after` normal answers, take the next `count` messages (they count as sent)
        but answer only after `seconds` (or `release()`): a client that gave up or died never
        hears back."""
        with self._lock:
            self._release.clear()
            self._script.extend([None] * after + [("hang", seconds)] * count)

    def outage(self, seconds: float, status: str | None = None, text: str = "", http: int | None = None,
               start_in: float = 0.0) -> None:
        """For `seconds` (from `start_in` seconds from now) answer every request with SMS API
        status `status` (1: Throttled) or HTTP `http` (500...); scripted answers wait until after."""
        start = time.monotonic() + start_in
        step = ("http", http, None) if http is not None else ("status", str(status), text)
        with self._lock:
            self._outages.append((start, start + seconds, step))

    def set_outage(self, status: str | None = None, text: str = "", http: int | None = None) -> None:
        """From now until the next call, answer every request with SMS API status `status` or
        HTTP `http`; `set_outage()` ends it. One call switches from one outage to the next
        atomically (no request slips through between them), so a test can end an outage on a
        state (every message hit) rather than after a time. Scripted answers wait until after."""
        if http is not None:
            step = ("http", http, None)
        elif status is not None:
            step = ("status", str(status), text)
        else:
            step = None
        with self._lock:
            self._open_outage = step

    def release(self) -> None:
        self._release.set()

    def wait_released(self, seconds: float) -> None:
        self._release.wait(seconds)

    def refuse_number(self, to: str, status: str = "7", text: str = "Number barred") -> None:
        """Refuse every message to `to` (E.164, with or without "+") with `status` for good."""
        self.refuse[to.removeprefix("+")] = (str(status), text)

    def fail_part(self, to: str, index: int, status: str = "6", text: str = "Invalid Message") -> None:
        """Accept every part of long messages to `to` except part `index` (a partial failure)."""
        self.partial[to.removeprefix("+")] = (index, str(status), text)

    # --- what it saw ----------------------------------------------------------------------

    @property
    def requests(self) -> list[Request]:
        with self._lock:
            return list(self._requests)

    def hanging(self) -> list[Request]:
        return [r for r in self.requests if r.outcome == "hung"]

    def accepted(self) -> list[Request]:
        return [r for r in self.requests if r.accepted]

    def sent_per_client_ref(self) -> Counter:
        """How many times each client-ref was taken (the citizen got it that many times)."""
        return Counter(r.client_ref for r in self.accepted())

    def outcomes_per_client_ref(self) -> dict[str, Counter]:
        """client-ref -> how many requests had each outcome ("throttled", "http-500", ...)."""
        found: dict[str, Counter] = {}
        for r in self.requests:
            found.setdefault(r.client_ref, Counter())[r.outcome] += 1
        return found

    def throttled_count(self) -> int:
        return sum(r.outcome in ("throttled", "http-429") for r in self.requests)

    def max_per_window(self, seconds: float = 1.0) -> int:
        """The most accepted requests that arrived within any `seconds`-long window."""
        times = sorted(r.at for r in self.accepted())
        best, start = 0, 0
        for end, t in enumerate(times):
            while t - times[start] >= seconds:
                start += 1
            best = max(best, end - start + 1)
        return best

    # --- delivery receipts ----------------------------------------------------------------

    def receipts(self, client_ref: str | None = None, status: str = "delivered", err_code: str = "0",
                 signature_secret: str | None = None, signature_method: str = "sha256") -> list[dict]:
        """The DLRs Vonage would post for the accepted parts (of `client_ref`, or all): one per
        part, in Vonage's webhook fields; signed (timestamp, nonce, sig) when given a secret."""
        now = datetime.now(UTC)
        out = []
        for request in self.accepted():
            if client_ref is not None and request.client_ref != client_ref:
                continue
            for message_id in request.message_ids:
                dlr = {
                    "msisdn": request.to, "to": request.params.get("from", ""),
                    "network-code": self.network, "messageId": message_id, "price": self.price,
                    "status": status, "scts": now.strftime("%y%m%d%H%M"), "err-code": str(err_code),
                    "api-key": self.api_key, "message-timestamp": now.strftime("%Y-%m-%d %H:%M:%S"),
                }
                if request.client_ref is not None:
                    dlr["client-ref"] = request.client_ref
                if signature_secret:
                    dlr = sign(dlr, self.api_key, signature_secret, signature_method)
                out.append(dlr)
        return out

    def emit_receipts(self, callback, **kwargs) -> int:
        """Hand each DLR of `receipts(**kwargs)` to `callback(dlr)`; returns how many."""
        dlrs = self.receipts(**kwargs)
        for dlr in dlrs:
            callback(dlr)
        return len(dlrs)

    # --- the API --------------------------------------------------------------------------

    def answer(self, params: dict, authorization: str | None) -> tuple[int, dict, dict, float]:
        """(HTTP status, JSON body, headers, seconds to hang) for one request; records it."""
        now_mono, now_wall = time.monotonic(), time.time()
        with self._lock:
            request = Request(now_mono, now_wall, params, "accepted")
            if params.get("api_key") is not None:
                request.auth = "params"
            elif (authorization or "").startswith("Basic "):
                request.auth = "basic"
            self._requests.append(request)
            step = self._open_outage or next((o[2] for o in self._outages if o[0] <= now_mono < o[1]), None)
            if step is None:
                step = self._script.pop(0) if self._script else None
            if not authorised(params, authorization, self.api_key, self.api_secret):
                request.outcome = "bad-auth"
                return 200, error_body("4", "Bad Credentials"), {}, 0
            if step and step[0] == "http":
                request.outcome = f"http-{step[1]}"
                headers = {"Retry-After": str(step[2])} if step[2] is not None else {}
                return step[1], {"type": "about:blank", "title": f"HTTP {step[1]}"}, headers, 0
            if step and step[0] == "status":
                request.outcome = "throttled" if step[1] == "1" else f"status-{step[1]}"
                return 200, error_body(step[1], step[2], params), {}, 0
            if self._bucket is not None and not self._bucket.take():
                request.outcome = "throttled"
                return 200, error_body("1", "Throttled", params), {}, 0
            missing = [k for k in ("from", "to", "text") if not params.get(k)]
            if missing:
                request.outcome = "status-2"
                return 200, error_body("2", f"Missing {missing[0]}"), {}, 0
            to = params["to"]
            if to in self.refuse:
                request.outcome = "refused"
                return 200, error_body(*self.refuse[to], params), {}, 0
            parts, lossy = count_parts(params["text"], params.get("type") or "text")
            request.parts, request.lossy = parts, lossy
            entries = []
            for index in range(parts):
                if to in self.partial and self.partial[to][0] == index and parts > 1:
                    entries.append({"status": self.partial[to][1], "error-text": self.partial[to][2],
                                    "to": to})
                    continue
                message_id = f"{secrets.token_hex(4).upper()}{next(self._ids):08X}"
                request.message_ids.append(message_id)
                entries.append({
                    "to": to, "message-id": message_id, "status": "0", "remaining-balance": "100.0",
                    "message-price": self.price, "network": self.network,
                    **({"client-ref": params["client-ref"]} if params.get("client-ref") else {}),
                })
            hang = 0.0
            if step and step[0] == "hang":
                request.outcome, hang = "hung", step[1]
            elif len(request.message_ids) < parts:
                request.outcome = "partial"
            return 200, {"message-count": str(parts), "messages": entries}, {}, hang
