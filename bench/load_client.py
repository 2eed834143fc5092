"""The simulated operators of bench/load.py: real HTTP clients, each with its own session.

An operator logs in through the login form (CSRF token from the page), then loops as a
browser would: "Next case" (POST, follows the redirect to the case screen: a case view),
logs a call outcome (POST, redirect, case view), sometimes calls once more with no answer
(the second unanswered call fires the SMS rule) or records a promise after an answered call
(POST, redirect, case view). Every request is timed from sending it to its last byte read.
Plain `http.client` (one keep-alive connection per operator, reopened when the server
closes it), so the client side costs little CPU. `run_process` runs a group of operators
on threads of one process; bench/load.py starts several such processes.
"""

import http.client
import random
import re
import threading
import time
from datetime import date, timedelta
from urllib.parse import urlencode, urlsplit

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CALL_FORM = re.compile(r'action="/cases/(\d+)/calls".*?name="phone_id" value="(\d+)"'
                       r'.*?name="submission_key" value="([0-9a-f]*)"', re.S)
FLASH_ERROR = 'class="flash error"'
PROMISE_FORM = 'id="promise-form"'
# Outcome of the first call: mostly unanswered, as in a real collections queue.
OUTCOMES = ["no_answer"] * 14 + ["busy"] + ["answered"] * 5
SECOND_CALL = 0.3  # share of unanswered first calls followed by a second one (fires the SMS rule)
PROMISE = 0.5  # share of answered calls that end in a promise to pay
RETRYABLE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


class Operator:
    """One operator's browser: a connection, a cookie jar, and the timings of its requests."""

    def __init__(self, host: str, port: int, login: str, password: str, rng: random.Random,
                 think: float, record_after: float):
        self.host, self.port, self.login_name, self.password = host, port, login, password
        self.conn = http.client.HTTPConnection(host, port, timeout=120)
        self.cookies: dict[str, str] = {}
        self.rng, self.think, self.record_after = rng, think, record_after
        self.records: list[tuple[str, float, float]] = []  # (endpoint, started, seconds)
        self.errors: list[tuple[str, str]] = []  # (endpoint, what)
        self.token = ""
        self.counts = {"cases": 0, "empty": 0, "sms_streaks": 0, "promises": 0}

    def request(self, endpoint: str, method: str, path: str, form: dict | None = None):
        """Send one request; return (status, location path, body text). Non-2xx/3xx is an error."""
        body = urlencode(form).encode() if form is not None else None
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
                   "Accept-Language": "en", "Host": f"{self.host}:{self.port}"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            reused = self.conn.sock is not None
            started = time.monotonic()
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                text = response.read().decode("utf-8", "replace")
            except RETRYABLE:
                self.conn.close()
                if reused and attempt == 1:
                    continue  # the server closed an idle keep-alive connection: reconnect once
                raise
            elapsed = time.monotonic() - started
            break
        if response.will_close:
            self.conn.close()
        for cookie in response.msg.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        if started >= self.record_after:
            self.records.append((endpoint, started, elapsed))
        if not 200 <= response.status < 400:
            self.errors.append((endpoint, f"HTTP {response.status}"))
        location = urlsplit(response.getheader("Location") or "").path
        if match := CSRF.search(text):
            self.token = match.group(1)
        return response.status, location, text

    def follow(self, status: int, location: str, endpoint: str, expect: str) -> str | None:
        """After a POST: the redirect a browser follows (timed as a case view); None if it was not one."""
        if status != 302 or not location:
            self.errors.append((endpoint, f"HTTP {status} instead of a redirect"))
            return None
        _, _, page = self.request("case view" if location.startswith("/cases/") else "home", "GET", location)
        if FLASH_ERROR in page:
            self.errors.append((endpoint, f"rejected: {expect}"))
        return page

    def log_in(self) -> None:
        self.request("login page", "GET", "/login")
        status, location, _ = self.request("login", "POST", "/login", {
            "csrf_token": self.token, "login": self.login_name, "password": self.password})
        if status != 302 or location.startswith("/login"):
            raise RuntimeError(f"{self.login_name}: login failed (HTTP {status})")
        self.request("home", "GET", location or "/")

    def pause(self) -> None:
        if self.think:
            time.sleep(self.rng.uniform(0.5, 1.5) * self.think)

    def log_call(self, case_id: str, page: str, outcome: str) -> str | None:
        forms = [m for m in CALL_FORM.finditer(page) if m.group(1) == case_id]
        if not forms:
            self.errors.append(("case view", "no call form on the case screen"))
            return None
        _, phone_id, key = self.rng.choice(forms).groups()
        status, location, _ = self.request("log call", "POST", f"/cases/{case_id}/calls", {
            "csrf_token": self.token, "phone_id": phone_id, "submission_key": key,
            "outcome": outcome, "direction": "outbound", "notes": ""})
        return self.follow(status, location, "log call", "call not logged")

    def record_promise(self, case_id: str) -> None:
        due = date.today() + timedelta(days=self.rng.randint(3, 30))
        status, location, _ = self.request("promise", "POST", f"/cases/{case_id}/promises", {
            "csrf_token": self.token, "instalments-0-amount": str(self.rng.randint(1, 10) * 1000),
            "instalments-0-due_date": due.isoformat(), "notes": "bench"})
        if self.follow(status, location, "promise", "promise not recorded") is not None:
            self.counts["promises"] += 1

    def one_case(self) -> None:
        status, location, _ = self.request("claim", "POST", "/queue/next", {"csrf_token": self.token})
        if status == 302 and not location.startswith("/cases/"):
            self.request("home", "GET", location)  # nothing workable (flash shown on the home page)
            self.counts["empty"] += 1
            time.sleep(1)
            return
        if status != 302:
            self.errors.append(("claim", f"HTTP {status} instead of a redirect"))
            return
        case_id = location.rsplit("/", 1)[1]
        _, _, page = self.request("case view", "GET", location)
        self.counts["cases"] += 1
        self.pause()
        outcome = self.rng.choice(OUTCOMES)
        page = self.log_call(case_id, page, outcome)
        if page is None:
            return
        self.pause()
        if outcome == "no_answer" and self.rng.random() < SECOND_CALL:
            if self.log_call(case_id, page, "no_answer") is not None:
                self.counts["sms_streaks"] += 1
            self.pause()
        elif outcome == "answered" and self.rng.random() < PROMISE and PROMISE_FORM in page:
            self.record_promise(case_id)
            self.pause()


def run_process(host: str, port: int, logins: list[str], password: str, think: float, warmup: float,
                seconds: float, start_at: float, seed: int, results) -> None:
    """A process's share of the operators, one thread each; puts one dict on `results`."""
    operators = [Operator(host, port, login, password, random.Random(seed + n), think,
                          start_at + warmup) for n, login in enumerate(logins)]
    failures: list[str] = []

    def body(op: Operator) -> None:
        try:
            op.log_in()
            time.sleep(max(0.0, start_at - time.monotonic()))
            while time.monotonic() < start_at + warmup + seconds:
                op.one_case()
        except Exception as exc:  # reported by the parent; the others go on
            failures.append(f"{op.login_name}: {exc!r}")

    cpu = []

    def measure_cpu() -> None:  # this process's CPU (all its threads) in the measured window
        time.sleep(max(0.0, start_at + warmup - time.monotonic()))
        before = time.process_time()
        time.sleep(seconds)
        cpu.append(time.process_time() - before)

    threads = [threading.Thread(target=body, args=(op,)) for op in operators]
    threads.append(threading.Thread(target=measure_cpu))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    counts: dict[str, int] = {}
    for op in operators:
        for key, value in op.counts.items():
            counts[key] = counts.get(key, 0) + value
    results.put({"records": [r for op in operators for r in op.records],
                 "errors": [e for op in operators for e in op.errors],
                 "failures": failures, "counts": counts, "cpu_s": sum(cpu)})
