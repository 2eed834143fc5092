"""The fake Vonage's wire side: how Vonage counts parts, what a request looked like, the rate
limiter, error bodies, credentials, webhook signatures, and the TLS HTTP server itself."""

import base64
import json
import secrets
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")


def count_parts(text: str, kind: str) -> tuple[int, bool]:
    """(parts, lossy): how many SMS Vonage makes of `text` sent as `kind` ("text"/"unicode"),
    and whether characters would be lost (non-GSM text sent as type=text)."""
    if kind == "unicode":
        units, single, multi, lossy = len(text.encode("utf-16-le")) // 2, 70, 67, False
    else:
        units = sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)
        single, multi = 160, 153
        lossy = any(ch not in GSM7_BASIC and ch not in GSM7_EXTENDED for ch in text)
    return (1 if units <= single else -(-units // multi)), lossy


@dataclass
class Request:
    """One request the fake received, as it understood it."""

    at: float  # time.monotonic() on arrival
    wall: float  # time.time() on arrival
    params: dict
    outcome: str  # accepted | throttled | http-<code> | status-<n> | refused | bad-auth | hung
    message_ids: list[str] = field(default_factory=list)
    parts: int = 0  # how many SMS the text makes as sent (type and length)
    lossy: bool = False  # non-GSM characters sent as type=text: the phone would show "?"
    auth: str | None = None  # how the credentials came: "basic" (header) or "params"

    @property
    def client_ref(self) -> str | None:
        return self.params.get("client-ref")

    @property
    def to(self) -> str | None:
        return self.params.get("to")

    @property
    def accepted(self) -> bool:
        """The fake took the message (a hung request too: the citizen gets it either way)."""
        return bool(self.message_ids)


class Bucket:
    def __init__(self, rate: float, burst: float):
        self.rate, self.capacity = rate, burst
        self.tokens, self.ts = burst, time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.ts) * self.rate)
        self.ts = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


def error_body(status: str, text: str, params: dict | None = None) -> dict:
    entry = {"status": str(status), "error-text": text}
    if params and params.get("to"):
        entry["to"] = params["to"]
    return {"message-count": "1", "messages": [entry]}


def authorised(params: dict, authorization: str | None, key: str, secret: str) -> bool:
    if params.get("api_key") is not None or params.get("api_secret") is not None:
        return params.get("api_key") == key and params.get("api_secret") == secret
    if authorization and authorization.startswith("Basic "):
        try:
            decoded = base64.b64decode(authorization[6:]).decode()
        except ValueError:
            return False
        return decoded == f"{key}:{secret}"
    return False


def sign(params: dict, api_key: str, secret: str, method: str = "sha256") -> dict:
    """`params` with timestamp, nonce and sig as Vonage signs webhooks (the SDK's own hashing)."""
    from vonage import Auth

    signed = {**params, "timestamp": str(int(time.time())), "nonce": secrets.token_hex(8)}
    signed["sig"] = Auth(api_key=api_key, signature_secret=secret,
                         signature_method=method).sign_params(dict(signed))
    return signed


class Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins the handler threads: nothing left running
    block_on_close = True

    def __init__(self, address, handler, fake, context: ssl.SSLContext):
        super().__init__(address, handler)
        self.fake, self.context = fake, context
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def track(self, sock: socket.socket, add: bool) -> None:
        with self._open_lock:
            (self._open.add if add else self._open.discard)(sock)

    def close_connections(self) -> None:
        with self._open_lock:
            for sock in list(self._open):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def handle_error(self, request, client_address) -> None:
        pass  # a client that hung up or failed the handshake: nothing to report


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the SDK's session expects
    timeout = 30  # an idle keep-alive connection is closed after this

    def setup(self) -> None:
        self.request.settimeout(self.timeout)  # a client that never finishes the handshake
        # Headers and body go out as separate writes: without NODELAY, Nagle and the client's
        # delayed ACK add ~40 ms to every answer (a real API server sets it too).
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.request = self.server.context.wrap_socket(self.request, server_side=True)
        self.server.track(self.request, True)
        super().setup()

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.request, False)
            self.request.close()

    def log_message(self, format, *args) -> None:
        pass

    def do_GET(self) -> None:
        self._api(dict(parse_qsl(urlsplit(self.path).query)))

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if "json" in (self.headers.get("Content-Type") or ""):
            try:
                params = json.loads(body or b"{}")
            except ValueError:
                return self._send(400, {"title": "Bad Request"}, {})
            params = {k: str(v) for k, v in params.items()} if isinstance(params, dict) else {}
        else:
            params = dict(parse_qsl(body.decode("utf-8", "replace")))
        self._api(params)

    def _api(self, params: dict) -> None:
        if urlsplit(self.path).path != "/sms/json":
            return self._send(404, {"title": "Not Found"}, {})
        code, body, headers, hang = self.server.fake.answer(params, self.headers.get("Authorization"))
        if hang:
            self.server.fake.wait_released(hang)
        self._send(code, body, headers)

    def _send(self, code: int, body: dict, headers: dict) -> None:
        data = json.dumps(body).encode()
        try:
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            self.close_connection = True  # the client is gone (timed out, killed)
