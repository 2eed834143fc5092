"""Who may do what: every route and method of the app, and the answer each actor gets.

Columns: anonymous, then an operator, a supervisor (both of department A, on A's objects), a
manager and an admin (no department: they see all), then A's operator and A's supervisor on
department B's objects (B's case, rule, template, import, report, sandbox number; for a
route without a department-bound object the foreign column is NA).

Answers: a status code; LOGIN (302 to the login page, with `next=`); a tuple (any of them);
NA (not applicable). A 302 that is not LOGIN must not lead to the login page. Every refusal
(LOGIN, 400, 401, 403, 404) must leave the database as it was.

Decisions where the README left room:
- Managers read everything (cases, rules, templates, handed-over cases, imports, reports) and
  write nothing on the case or configuration screens; they import cases and post payments
  (the README says so: the revenue system's token is a manager's).
- Admins act on any department but claim nothing from the queue (they have no department):
  /queue/next is 403, the API claim 204.
- Department settings are a supervisor's own (and admins'); managers get 403 like operators.
- The sandbox phone is a training screen standing in for the citizen's phone: any staff role,
  scoped to the numbers of the departments the user sees.
- The JSON API answers 401 (not a redirect) to a caller without credentials.
- The role is checked before the department: A's operator on B's rule is 403 (no operator
  may open rules), A's supervisor 404 (B's objects do not exist for A, as an unknown id).
- The webhooks are public: whoever calls them, a signed request is applied (the table's
  requests are signed), an unsigned one is 401 (test_refusals.py).

Besides the answer, test_every_route.py checks that no page shown to A's operator or
supervisor holds B's data and that no page offers a link or button its reader is refused on.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.sms.receipt_helpers import dlr, inbound, sign

LOGIN = "login"
NA = None
CLAIM = (200, 204)  # the queue's claim: a case, or none workable
ACTORS = ("anonymous", "operator", "supervisor", "manager", "admin", "operator>B", "supervisor>B")
REFUSALS = (LOGIN, 400, 401, 403, 404)

# The routes whose pages may show every department (public by design).
PUBLIC = {"/senders", "/api/v1/openapi.json"}

# fmt: off
ACCESS = {
    # (method, rule):                                         anon   op   sup  mgr  admin  op>B sup>B
    ("GET",  "/login"):                                       (200,  200, 200, 200, 200,   NA,  NA),
    ("POST", "/login"):                                       (302,  302, 302, 302, 302,   NA,  NA),
    ("POST", "/logout"):                                      (LOGIN, 302, 302, 302, 302,  NA,  NA),
    ("POST", "/language/<lang>"):                             (302,  302, 302, 302, 302,   NA,  NA),
    ("GET",  "/senders"):                                     (200,  200, 200, 200, 200,   NA,  NA),
    ("GET",  "/static/<path:filename>"):                      (200,  200, 200, 200, 200,   NA,  NA),
    ("GET",  "/"):                                            (LOGIN, 200, 200, 200, 200,  NA,  NA),
    ("GET",  "/search"):                                      (LOGIN, 200, 200, 200, 200,  200, 200),
    ("GET",  "/cases/<int:case_id>"):                         (LOGIN, 200, 200, 200, 200,  404, 404),
    ("POST", "/cases/<int:case_id>/calls"):                   (LOGIN, 302, 302, 403, 302,  404, 404),
    ("POST", "/cases/<int:case_id>/phones/<int:phone_id>/opt-out"):
                                                              (LOGIN, 302, 302, 403, 302,  404, 404),
    ("POST", "/cases/<int:case_id>/phones/<int:phone_id>/opt-out/lift"):
                                                              (LOGIN, 403, 302, 403, 302,  403, 404),
    ("POST", "/cases/<int:case_id>/phones/<int:phone_id>/consent"):
                                                              (LOGIN, 302, 302, 403, 302,  404, 404),
    ("POST", "/cases/<int:case_id>/promises"):                (LOGIN, 302, 302, 403, 302,  404, 404),
    ("POST", "/queue/next"):                                  (LOGIN, 302, 302, 403, 403,  NA,  NA),
    ("GET",  "/departments"):                                 (LOGIN, 403, 200, 200, 200,  NA,  NA),
    ("GET",  "/departments/<code>/settings"):                 (LOGIN, 403, 200, 403, 200,  403, 404),
    ("POST", "/departments/<code>/settings"):                 (LOGIN, 403, 302, 403, 302,  403, 404),
    ("GET",  "/escalation/rules"):                            (LOGIN, 403, 200, 200, 200,  403, 404),
    ("GET",  "/escalation/rules/new"):                        (LOGIN, 403, 200, 403, 200,  403, 404),
    ("POST", "/escalation/rules/new"):                        (LOGIN, 403, 302, 403, 302,  403, 404),
    ("GET",  "/escalation/rules/<int:rule_id>"):              (LOGIN, 403, 200, 200, 200,  403, 404),
    ("POST", "/escalation/rules/<int:rule_id>"):              (LOGIN, 403, 302, 403, 302,  403, 404),
    ("POST", "/escalation/rules/check"):                      (LOGIN, 403, 200, 200, 200,  403, 404),
    ("GET",  "/escalation/handed-over"):                      (LOGIN, 403, 200, 200, 200,  403, 404),
    ("POST", "/escalation/handed-over/<int:case_id>/return"): (LOGIN, 403, 302, 403, 302,  403, 404),
    ("GET",  "/sms/templates"):                               (LOGIN, 403, 200, 200, 200,  403, 404),
    ("GET",  "/sms/templates/new"):                           (LOGIN, 403, 200, 403, 200,  403, 404),
    ("POST", "/sms/templates/new"):                           (LOGIN, 403, 302, 403, 302,  403, 404),
    ("GET",  "/sms/templates/<int:template_id>"):             (LOGIN, 403, 200, 200, 200,  403, 404),
    ("POST", "/sms/templates/<int:template_id>"):             (LOGIN, 403, 302, 403, 302,  403, 404),
    ("POST", "/sms/templates/preview"):                       (LOGIN, 403, 200, 200, 200,  403, 404),
    ("GET",  "/imports"):                                     (LOGIN, 403, 200, 200, 200,  NA,  NA),
    ("POST", "/imports"):                                     (LOGIN, 403, 302, 302, 302,  NA,  NA),
    ("GET",  "/imports/<int:import_id>"):                     (LOGIN, 403, 200, 200, 200,  403, 404),
    ("GET",  "/reports"):                                     (LOGIN, 403, 200, 200, 200,  403, 404),
    ("GET",  "/reports/summary.csv"):                         (LOGIN, 403, 200, 200, 200,  403, 404),
    ("GET",  "/reports/summary.pdf"):                         (LOGIN, 403, 200, 200, 200,  403, 404),
    ("GET",  "/reports/archive"):                             (LOGIN, 403, 200, 200, 200,  NA,  NA),
    ("GET",  "/reports/archive/<int:report_id>.pdf"):         (LOGIN, 403, 200, 200, 200,  403, 404),
    ("GET",  "/sandbox/phone"):                               (LOGIN, 200, 200, 200, 200,  404, 404),
    ("GET",  "/sandbox/phone/messages"):                      (LOGIN, 200, 200, 200, 200,  404, 404),
    ("POST", "/sandbox/phone/reply"):                         (LOGIN, 302, 302, 302, 302,  404, 404),
    ("GET",  "/webhooks/vonage/status"):                      (200,  200, 200, 200, 200,   NA,  NA),
    ("POST", "/webhooks/vonage/status"):                      (200,  200, 200, 200, 200,   NA,  NA),
    ("GET",  "/webhooks/vonage/inbound"):                     (200,  200, 200, 200, 200,   NA,  NA),
    ("POST", "/webhooks/vonage/inbound"):                     (200,  200, 200, 200, 200,   NA,  NA),
    ("POST", "/cases/<int:case_id>/phones/<int:phone_id>/restore-sms"):
                                                              (LOGIN, 403, 302, 403, 302,  403, 404),
    ("GET",  "/sms/inbox"):                                   (LOGIN, 200, 200, 200, 200,  404, 404),
    ("POST", "/sms/inbox/<int:reply_id>"):                    (LOGIN, 302, 302, 403, 302,  404, 404),
    ("POST", "/sms/inbox/settings/<code>"):                   (LOGIN, 403, 302, 403, 302,  403, 404),
    ("GET",  "/healthz"):                                     (200,  200, 200, 200, 200,   NA,  NA),
    ("GET",  "/readyz"):                                      (200,  200, 200, 200, 200,   NA,  NA),
    ("GET",  "/admin/ops"):                                   (LOGIN, 403, 403, 403, 200,  NA,  NA),
    ("POST", "/admin/ops/jobs/<job_id>/retry"):               (LOGIN, 403, 403, 403, 302,  NA,  NA),
    ("POST", "/admin/ops/jobs/<job_id>/discard"):             (LOGIN, 403, 403, 403, 302,  NA,  NA),
    # The JSON API, with each role's bearer token.
    ("GET",  "/api/v1/openapi.json"):                         (200,  200, 200, 200, 200,   NA,  NA),
    ("GET",  "/api/v1/cases"):                                (401,  200, 200, 200, 200,   200, 200),
    ("GET",  "/api/v1/cases/<int:case_id>"):                  (401,  200, 200, 200, 200,   404, 404),
    ("GET",  "/api/v1/cases/<int:case_id>/amount-due"):       (401,  200, 200, 200, 200,   404, 404),
    ("POST", "/api/v1/cases/<int:case_id>/calls"):            (401,  201, 201, 403, 201,   404, 404),
    ("POST", "/api/v1/cases/<int:case_id>/promises"):         (401,  201, 201, 403, 201,   404, 404),
    ("POST", "/api/v1/queue/claim"):                          (401,  CLAIM, CLAIM, 403, 204,   NA,  NA),
    ("POST", "/api/v1/imports"):                              (401,  403, 202, 202, 202,   NA,  NA),
    ("GET",  "/api/v1/imports/<int:import_id>"):              (401,  403, 200, 200, 200,   403, 404),
    ("POST", "/api/v1/payments"):                             (401,  403, 403, 201, 201,   NA,  NA),
    ("GET",  "/api/v1/inbox"):                                (401,  200, 200, 200, 200,   404, 404),
    ("POST", "/api/v1/inbox/<int:reply_id>"):                 (401,  200, 200, 403, 200,   404, 404),
    ("GET",  "/api/v1/reports/summary"):                      (401,  403, 200, 200, 200,   403, 404),
    ("POST", "/api/v1/cases/<int:case_id>/phones/<int:phone_id>/consent"):
                                                              (401,  200, 200, 403, 200,   404, 404),
    # Configuration through the API (issue 10): another department's is a 403, as the issue says.
    ("GET",  "/api/v1/templates"):                            (401,  403, 200, 200, 200,   403, 403),
    ("POST", "/api/v1/templates"):                            (401,  403, 201, 403, 201,   403, 403),
    ("PATCH", "/api/v1/templates/<int:template_id>"):         (401,  403, 200, 403, 200,   403, 403),
    ("GET",  "/api/v1/rules"):                                (401,  403, 200, 200, 200,   403, 403),
    ("POST", "/api/v1/rules"):                                (401,  403, 201, 403, 201,   403, 403),
    ("PATCH", "/api/v1/rules/<int:rule_id>"):                 (401,  403, 200, 403, 200,   403, 403),
}
# fmt: on

PERIOD = {"from": "2026-11-01", "to": "2026-11-16", "department": "{dept}"}
CSV = ("case_ref,taxpayer_ref,name,name_kana,phone,phone2,consent,department,tax_type,fiscal_year,"
       "amount_due,due_date,address\nIMP-{uid},TIMP-{uid},新井 一郎,アライ イチロウ,090-5555-0101,,yes,"
       "{dept},住民税,2025,12000,2025-05-31,\n")
# Generic: the default template is its rule's fallback and may not become personal.
TEMPLATE_JA = "【{department}】ご連絡ください。{callback_phone}へ（番号{case_ref}）"
RULE = {"name": "Two calls", "trigger": "unanswered_calls", "count": "2", "window_days": "14",
        "phone_scope": "mobile", "action": "send_sms", "template_id": "{template}", "language": "ja",
        "priority_boost": "0", "delay_minutes": "0", "active": "y"}


@dataclass
class Req:
    """How to call a route: a URL (default: the rule with its arguments filled in), a query
    string, and a form (`data`) or JSON body; a callable gets the placeholder values."""

    url: str | None = None
    query: dict = field(default_factory=dict)
    data: dict | Callable | None = None
    json: dict | Callable | None = None


def _upload(ctx) -> dict:
    return {"file": (io.BytesIO(CSV.format(**ctx).encode()), "cases.csv")}


REQUESTS = {
    ("POST", "/login"): Req(data={"login": "walker", "password": "correct-horse-battery"}),
    ("POST", "/language/<lang>"): Req(data={"next": "/senders"}),
    ("GET", "/search"): Req(query={"q": "{case_ref}"}),
    ("POST", "/cases/<int:case_id>/calls"): Req(data={"phone_id": "{phone}", "outcome": "answered",
                                                      "direction": "outbound", "submission_key": "{uid}"}),
    ("POST", "/cases/<int:case_id>/promises"): Req(data={"instalments-0-amount": "1000",
                                                         "instalments-0-due_date": "2026-11-20"}),
    ("POST", "/departments/<code>/settings"): Req(data={
        "name": "{dept_name}", "sender_id": "{sender}", "callback_phone": "048-555-0100",
        "calling_hours": "09:00-20:00", "sms_hours": "09:00-20:00", "rest_days": "sun,holidays",
        "max_calls_per_day": "3", "max_calls_per_week": "7"}),
    ("GET", "/escalation/rules"): Req(query={"department": "{dept}"}),
    ("GET", "/escalation/rules/new"): Req(query={"department": "{dept}"}),
    ("POST", "/escalation/rules/new"): Req(query={"department": "{dept}"}, data=RULE),
    ("POST", "/escalation/rules/<int:rule_id>"): Req(data=RULE),
    ("POST", "/escalation/rules/check"): Req(data={**RULE, "department": "{dept}", "rule_id": "{rule}"}),
    ("GET", "/escalation/handed-over"): Req(query={"department": "{dept}"}),
    ("POST", "/escalation/handed-over/<int:case_id>/return"): Req(
        url="/escalation/handed-over/{held}/return"),
    ("GET", "/sms/templates"): Req(query={"department": "{dept}"}),
    ("GET", "/sms/templates/new"): Req(query={"department": "{dept}"}),
    ("POST", "/sms/templates/new"): Req(query={"department": "{dept}"}, data={
        "name": "notice {uid}", "body_ja": TEMPLATE_JA, "body_en": "", "active": "y"}),
    ("POST", "/sms/templates/<int:template_id>"): Req(data={
        "name": "reminder", "body_ja": TEMPLATE_JA, "body_en": "", "active": "y"}),
    ("POST", "/sms/templates/preview"): Req(json={"body": "【課】{uid}", "language": "ja",
                                                  "department": "{dept}"}),
    ("POST", "/imports"): Req(data=_upload),
    ("GET", "/reports"): Req(query={"department": "{dept}"}),
    ("GET", "/reports/summary.csv"): Req(query=PERIOD),
    ("GET", "/reports/summary.pdf"): Req(query=PERIOD),
    ("GET", "/sandbox/phone"): Req(query={"number": "{number}"}),
    ("GET", "/sandbox/phone/messages"): Req(query={"number": "{number}"}),
    ("POST", "/sandbox/phone/reply"): Req(data={"number": "{number}", "text": "hello"}),
    ("GET", "/webhooks/vonage/status"): Req(query=lambda ctx: sign(dlr(f"unknown-{ctx['uid']}"))),
    ("POST", "/webhooks/vonage/status"): Req(data=lambda ctx: sign(dlr(f"unknown-{ctx['uid']}"))),
    ("GET", "/webhooks/vonage/inbound"): Req(query=lambda ctx: sign(inbound(f"hello {ctx['uid']}"))),
    ("POST", "/webhooks/vonage/inbound"): Req(data=lambda ctx: sign(inbound(f"hello {ctx['uid']}"))),
    ("GET", "/api/v1/cases"): Req(query={"q": "{case_ref}"}),
    ("POST", "/api/v1/cases/<int:case_id>/calls"): Req(json=lambda ctx: {
        "phone_id": ctx["phone"], "outcome": "answered"}),
    ("POST", "/api/v1/cases/<int:case_id>/promises"): Req(json={"amount": 1000, "due_date": "2026-11-20"}),
    ("POST", "/api/v1/imports"): Req(data=_upload),
    ("POST", "/api/v1/payments"): Req(json={"payment_ref": "P-{uid}", "case_ref": "{case_ref}",
                                            "amount": 100, "paid_on": "2026-11-16"}),
    ("GET", "/api/v1/reports/summary"): Req(query=PERIOD),
    ("GET", "/sms/inbox"): Req(query={"department": "{dept}"}),
    ("POST", "/sms/inbox/<int:reply_id>"): Req(data={"state": "done"}),
    ("POST", "/sms/inbox/settings/<code>"): Req(data={"auto_ack_template_id": ""}),
    ("GET", "/api/v1/inbox"): Req(query={"department": "{dept}"}),
    ("POST", "/api/v1/inbox/<int:reply_id>"): Req(json={"state": "done"}),
    ("POST", "/cases/<int:case_id>/phones/<int:phone_id>/opt-out/lift"): Req(data={"reason": "withdrew"}),
    ("POST", "/cases/<int:case_id>/phones/<int:phone_id>/consent"): Req(data={"consent": "yes",
                                                                            "source": "call"}),
    ("POST", "/api/v1/cases/<int:case_id>/phones/<int:phone_id>/consent"): Req(json={
        "consent": True, "source": "call"}),
    ("GET", "/api/v1/templates"): Req(query={"department": "{dept}"}),
    ("POST", "/api/v1/templates"): Req(json={"department": "{dept}", "name": "api {uid}",
                                             "body_ja": TEMPLATE_JA}),
    ("PATCH", "/api/v1/templates/<int:template_id>"): Req(json={"active": True}),
    ("GET", "/api/v1/rules"): Req(query={"department": "{dept}"}),
    ("POST", "/api/v1/rules"): Req(json={"department": "{dept}", "name": "api {uid}",
                                         "trigger": "promise_broken", "action": "raise_priority",
                                         "priority_boost": 5}),
    ("PATCH", "/api/v1/rules/<int:rule_id>"): Req(json={"count": 2}),
}

# A rule's argument -> the placeholder that fills it.
ARGUMENTS = {"case_id": "{case}", "phone_id": "{phone}", "rule_id": "{rule}", "template_id": "{template}",
             "import_id": "{import}", "report_id": "{report}", "reply_id": "{reply}", "code": "{dept}",
             "lang": "en", "filename": "app.css", "job_id": "no-such-job"}
