"""The data set the access table runs against: two departments (A = TAX, the actors' own;
B = WATER, the foreign one), each with a case, a handed-over case, a rule, a template, an
import, an archived report and a sandbox conversation; one user per role; each actor's
logged-in session cookie and CSRF token, and an API token per role."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import text

from app.auth.services import create_token, revoke_token
from app.cases import importing
from app.cases.models import CaseStatus
from app.escalation.rules import ESCALATED
from app.extensions import db
from app.reports.models import ArchivedReport
from app.sms.models import InboundSms, SmsPart, SmsStatus
from app.sms.outbox import queue_sms
from tests import factories as f
from tests.escalation.helpers import default_rule

NOW = f.WORKDAY_MORNING
ROLES = ("operator", "supervisor", "manager", "admin")
# Strings only department B's data holds: a page shown to A's operator or supervisor must
# never contain them (the public /senders page lists every department, by design).
B_SECRETS = ("水野 秘子", "Waterworks Bureau B")


@dataclass
class Session:
    """What a browser of one actor sends: the session cookie and the page's CSRF token."""

    cookie: str | None
    csrf: str
    bearer: str | None = None


@dataclass
class World:
    places: dict[str, dict] = field(default_factory=dict)  # "A"/"B" -> placeholder values
    sessions: dict[str, Session] = field(default_factory=dict)  # actor -> session
    all_departments_report: int = 0  # the monthly archive's report of every department


def _place(dept, n: int) -> dict:
    name = "水野 秘子" if dept.code == "WATER" else f"山田 花子{n}"
    case = f.case(dept, phones=((f"+81901234{n:04d}", "mobile", True),), ref=f"{dept.code}-1")
    case.taxpayer.name = name
    held = f.case(dept, phones=((f"+81901235{n:04d}", "mobile", True),), ref=f"{dept.code}-HELD",
                  status=CaseStatus.HOLD)
    held.hold_reason = ESCALATED
    rule = default_rule(dept)
    job = importing.create_import(None, f"{dept.name}.csv", b"case_ref\n", NOW)
    job.scope_department_id = dept.id
    report = ArchivedReport(department=dept, period_start=date(2026, 10, 1), period_end=date(2026, 10, 31),
                            pdf=b"%PDF-1.4 archived", created_at=NOW)
    db.session.add(report)
    message = queue_sms(case, case.taxpayer.phones[0], f"【{dept.name}】048-555-0100",
                        idempotency_key=f"access:{dept.code}", now=NOW)
    message.parts.append(SmsPart(provider_message_id=f"sandbox-access{n}", status=SmsStatus.SENT))
    message.status, message.sent_at, message.parts_expected = SmsStatus.SENT, NOW, 1
    reply = InboundSms(provider_message_id=f"access-in{n}", msisdn=case.taxpayer.phones[0].e164,
                       to=dept.sender_id, text="折り返しお願いします", received_at=NOW, department_id=dept.id)
    db.session.add(reply)
    db.session.commit()
    return {
        "dept": dept.code, "dept_name": dept.name, "sender": dept.sender_id, "case": case.id,
        "case_ref": case.case_ref, "phone": case.taxpayer.phones[0].id, "held": held.id,
        "number": case.taxpayer.phones[0].e164, "rule": rule.id, "template": rule.template_id,
        "import": job.id, "report": report.id, "reply": reply.id,
    }


def _session(app, user=None) -> Session:
    """Log in through the real form (or not, for the anonymous actor) and keep the cookie."""
    client = app.test_client()
    if user is not None:
        assert f.login(client, user).status_code == 302
    page = client.get("/login" if user is None else "/")
    assert page.status_code == 200
    cookie = client.get_cookie("session")
    return Session(cookie.value if cookie else None, f.csrf_from(page.get_data(as_text=True)))


def build(app) -> World:
    """Make the data set and log every actor in."""
    world = World()
    tax = f.department("TAX", name="税務課")
    water = f.department("WATER", name="Waterworks Bureau B")
    world.places = {"A": _place(tax, 1), "B": _place(water, 2)}
    users = {"operator": f.user("op_a", "operator", tax), "supervisor": f.user("sup_a", "supervisor", tax),
             "manager": f.user("mgr", "manager"), "admin": f.user("admin", "admin")}
    f.user("walker", "operator", tax)  # who the table's POST /login logs in
    world.places["B"]["operator"] = f.user("op_b", "operator", water).login
    everyone = ArchivedReport(department=None, period_start=date(2026, 10, 1), period_end=date(2026, 10, 31),
                              pdf=b"%PDF-1.4 all departments", created_at=NOW)
    db.session.add(everyone)
    db.session.flush()
    world.all_departments_report = everyone.id
    world.sessions["anonymous"] = _session(app)
    for role, user in users.items():
        world.sessions[role] = _session(app, user)
        world.sessions[role].bearer = create_token(user, NOW)
    retired = f.user("retired", "supervisor", tax)  # logged in, given a token, then deactivated
    world.sessions["retired"] = _session(app, retired)
    world.sessions["retired"].bearer = create_token(retired, NOW)
    retired.active = False
    revoked = world.sessions["revoked"] = _session(app, users["supervisor"])  # a revoked token
    revoked.bearer = create_token(users["supervisor"], NOW)
    revoke_token(revoked.bearer[:10], NOW)
    db.session.commit()
    return world


def fingerprint() -> str:
    """A digest of every table's rows but the API tokens' (whose last_used_at moves on every
    call): equal before and after a request means the request changed nothing."""
    tables = [t.name for t in db.metadata.sorted_tables if t.name != "api_tokens"]
    parts = " UNION ALL ".join(
        f"SELECT '{name}' AS t, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS h "
        f"FROM {name} x" for name in tables)
    db.session.rollback()  # see what the requests committed
    rows = db.session.execute(text(f"SELECT string_agg(t || ':' || h, ',' ORDER BY t) FROM ({parts}) s"))
    return rows.scalar_one()
