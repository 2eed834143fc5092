"""The inbox: routing a reply to its department, its classification's effects on the cases,
handling it (state, who), and the optional auto-acknowledgement.

A reply belongs to the department whose sender ID it was sent to (the inbound `to`). When no
department has that sender ID (a shared or unknown number), it goes to the department that
last texted the number; when none ever did, it stays unrouted (department None): admins see
those in the inbox under "unrouted". A reply only ever touches its own department's cases.
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select

from app import clock
from app.audit.services import record
from app.auth.models import Department, Role
from app.cases.models import Case, CaseStatus, Phone, Taxpayer
from app.extensions import db
from app.inbox.classify import classify
from app.inbox.models import InboxSettings
from app.sms.checks import ACK_KEY_PREFIX
from app.sms.models import InboundSms, ReplyClass, ReplyState, SmsMessage
from app.sms.outbox import queue_sms
from app.sms.templates import render

WRONG_PERSON_FLAG = "wrong_person"
LIFTERS = (Role.SUPERVISOR, Role.ADMIN)  # who may give a "wrong person" number its SMS back


class InboxError(ValueError):
    """A change of a reply that is not valid; `fields` says which and why."""

    def __init__(self, message: str, fields: dict[str, str]):
        super().__init__(message)
        self.fields = fields


def _bare(sender: str) -> str:
    return (sender or "").strip().removeprefix("+").casefold()


def department_for(to: str, msisdn: str) -> Department | None:
    """The department a reply to `to` from `msisdn` belongs to (see the module docstring)."""
    wanted = _bare(to)
    matching = [d for d in db.session.scalars(select(Department).order_by(Department.id))
                if wanted and _bare(d.sender_id) == wanted]
    last_texted = select(SmsMessage.department_id).where(SmsMessage.to_e164 == msisdn)
    if len(matching) == 1:
        return matching[0]
    if matching:  # several departments share the sender ID: the one that last texted the number
        ids = [d.id for d in matching]
        dept_id = db.session.scalar(last_texted.where(SmsMessage.department_id.in_(ids))
                                    .order_by(SmsMessage.id.desc()).limit(1))
        return db.session.get(Department, dept_id) if dept_id else matching[0]
    dept_id = db.session.scalar(last_texted.order_by(SmsMessage.id.desc()).limit(1))
    return db.session.get(Department, dept_id) if dept_id else None


def matching_cases(reply: InboundSms) -> list[Case]:
    """The reply's department's cases (not closed) whose taxpayer has the sender's number."""
    if reply.department_id is None:
        return []
    stmt = (select(Case).join(Taxpayer, Case.taxpayer_id == Taxpayer.id)
            .where(Case.department_id == reply.department_id, Case.status != CaseStatus.CLOSED,
                   Case.taxpayer_id.in_(select(Phone.taxpayer_id).where(Phone.e164 == reply.msisdn)))
            .order_by(Case.id))
    return list(db.session.scalars(stmt))


def route_reply(reply: InboundSms, now: datetime, **_) -> None:
    """signals.reply_received: file a stored reply (not an opt-out) in its department's inbox,
    classify it and apply what the class means to the department's cases."""
    dept = department_for(reply.to, reply.msisdn)
    reply.department_id = dept.id if dept else None
    reply.classification = classify(reply.text)
    reply.state = ReplyState.NEW
    db.session.flush()
    record(None, "inbox.route", "inbound_sms", reply.id, now, department_id=reply.department_id,
           classification=reply.classification)
    if dept is None:
        return
    cases = matching_cases(reply)
    _apply(reply, reply.classification, cases, now, None)
    _auto_acknowledge(reply, dept, cases, now)


def _apply(reply: InboundSms, classification: str, cases: list[Case], now: datetime, actor) -> None:
    """What a reply of `classification` does: every case is due now; says_paid pauses the
    payment reminders PAYMENT_LAG_DAYS; callback puts the case at the head of the queue;
    wrong_person stops SMS to the number for the taxpayer and flags the case."""
    lag = timedelta(days=current_app.config["PAYMENT_LAG_DAYS"])
    for case in cases:
        if case.next_action_at is None or case.next_action_at > now:
            case.next_action_at = now
        case.updated_at = now
        if classification == ReplyClass.SAYS_PAID:
            until = now + lag
            if case.payment_reminders_paused_until is None or case.payment_reminders_paused_until < until:
                case.payment_reminders_paused_until = until
            record(actor, "case.payment_reminders_pause", "case", case.id, now, reply_id=reply.id,
                   until=until.isoformat(), reason="recent_payment")
        elif classification == ReplyClass.CALLBACK:
            case.callback_requested_at = case.callback_requested_at or now
        elif classification == ReplyClass.WRONG_PERSON:
            for phone in case.taxpayer.phones:
                if phone.e164 == reply.msisdn and phone.wrong_person_at is None:
                    phone.wrong_person_at = now
                    record(actor, "phone.wrong_person", "phone", phone.id, now, reply_id=reply.id)
            case.flag = WRONG_PERSON_FLAG


def _undo(reply: InboundSms, classification: str, cases: list[Case], now: datetime, actor) -> None:
    """Take back what a wrong classification did. "Wrong person" is taken back only by a
    supervisor or admin (it stopped SMS to a number that may not be the taxpayer's)."""
    for case in cases:
        if classification == ReplyClass.SAYS_PAID and case.payment_reminders_paused_until:
            case.payment_reminders_paused_until = None
            record(actor, "case.payment_reminders_resume", "case", case.id, now, reply_id=reply.id)
        elif classification == ReplyClass.CALLBACK:
            case.callback_requested_at = None
        elif classification == ReplyClass.WRONG_PERSON and getattr(actor, "role", None) in LIFTERS:
            for phone in case.taxpayer.phones:
                if phone.e164 == reply.msisdn and phone.wrong_person_at is not None:
                    lift_wrong_person(case, phone, actor, now)


def update_reply(reply: InboundSms, actor, now: datetime, state: str | None = None,
                 classification: str | None = None) -> InboundSms:
    """Change a reply's state (new / assigned / done, with who) and/or correct its
    classification (the old class's effects are taken back, the new one's applied)."""
    fields = {}
    if state is not None and state not in tuple(ReplyState):
        fields["state"] = "one of " + ", ".join(ReplyState)
    if classification is not None and classification not in tuple(ReplyClass):
        fields["classification"] = "one of " + ", ".join(ReplyClass)
    if state is None and classification is None:
        fields["state"] = "give a state or a classification"
    if fields:
        raise InboxError("the reply cannot be changed so", fields)
    changed = {}
    if classification is not None and classification != reply.classification:
        cases = matching_cases(reply)
        _undo(reply, reply.classification, cases, now, actor)
        _apply(reply, classification, cases, now, actor)
        changed["classification"] = [reply.classification, classification]
        reply.classification = classification
    if state is not None and state != reply.state:
        changed["state"] = [reply.state, state]
        reply.state = state
        reply.handled_by_id = None if state == ReplyState.NEW else actor.id
        reply.handled_at = None if state == ReplyState.NEW else now
    if changed:
        db.session.flush()
        record(actor, "inbox.update", "inbound_sms", reply.id, now, changed=changed)
    return reply


def route_to(reply: InboundSms, dept: Department, actor, now: datetime) -> InboundSms:
    """An admin files an unrouted reply in `dept`'s inbox: its class applies to `dept`'s cases
    from now on (a routed reply stays where it is: InboxError)."""
    if reply.department_id is not None:
        raise InboxError("the reply is already in a department's inbox", {"department": "already routed"})
    reply.department_id = dept.id
    db.session.flush()
    _apply(reply, reply.classification, matching_cases(reply), now, actor)
    record(actor, "inbox.route", "inbound_sms", reply.id, now, department_id=dept.id, by_hand=True)
    return reply


def lift_wrong_person(case: Case, phone: Phone, actor, now: datetime) -> None:
    """A supervisor gives the number its SMS back for the taxpayer; the case's flag goes
    when none of its taxpayer's phones is marked any more."""
    phone.wrong_person_at = None
    record(actor, "phone.wrong_person_lift", "phone", phone.id, now, case_id=case.id)
    if case.flag == WRONG_PERSON_FLAG and not any(p.wrong_person_at for p in case.taxpayer.phones):
        case.flag = None
    case.updated_at = now


def _auto_acknowledge(reply: InboundSms, dept: Department, cases: list[Case], now: datetime) -> None:
    """The department's acknowledgement, at most one per number per local day, through the
    normal outbox (caps, consent, opt-out and hours apply; exempt from the daily cap only)."""
    settings = db.session.get(InboxSettings, dept.id)
    template = settings.auto_ack_template if settings else None
    if template is None or not template.active or not template.body_ja.strip():
        return
    if reply.classification == ReplyClass.WRONG_PERSON:
        return  # never text a number that says it is not the taxpayer's
    for case in cases:
        phone = next((p for p in case.taxpayer.phones if p.e164 == reply.msisdn), None)
        if case.status == CaseStatus.OPEN and phone is not None:
            day = now.astimezone(clock.local_zone()).date().isoformat()
            queue_sms(case, phone, render(template.body_ja, case, dept), now=now, template=template,
                      idempotency_key=f"{ACK_KEY_PREFIX}{dept.id}:{reply.msisdn}:{day}",
                      daily_cap_exempt=True)
            return


def set_auto_ack(dept: Department, template, actor, now: datetime) -> None:
    """Choose the department's auto-acknowledgement template (None: no acknowledgement)."""
    settings = db.session.get(InboxSettings, dept.id)
    if settings is None:
        settings = InboxSettings(department_id=dept.id, updated_at=now)
        db.session.add(settings)
    before = settings.auto_ack_template_id
    settings.auto_ack_template_id = template.id if template is not None else None
    settings.updated_at = now
    db.session.flush()
    if before != settings.auto_ack_template_id:
        record(actor, "inbox.auto_ack", "department", dept.id, now, template_id=settings.auto_ack_template_id)


def replies(department_id: int | None, state: str | None = None, limit: int = 200) -> list[InboundSms]:
    """A department's inbox (None: the unrouted replies), newest first."""
    stmt = select(InboundSms).where(InboundSms.opt_out.is_(False))
    stmt = stmt.where(InboundSms.department_id.is_(None) if department_id is None
                      else InboundSms.department_id == department_id)
    if state:
        stmt = stmt.where(InboundSms.state == state)
    return list(db.session.scalars(stmt.order_by(InboundSms.received_at.desc(), InboundSms.id.desc())
                                   .limit(limit)))


def unread_count(department_id: int | None) -> int:
    """How many replies of the department's inbox are `new`."""
    stmt = select(func.count()).select_from(InboundSms).where(
        InboundSms.state == ReplyState.NEW, InboundSms.opt_out.is_(False),
        or_(InboundSms.department_id == department_id) if department_id is not None
        else InboundSms.department_id.is_(None))
    return db.session.scalar(stmt) or 0


def clear_callback_after_call(attempt, now: datetime, **_) -> None:
    """signals.call_logged: an outbound call answers the taxpayer's callback request."""
    case = attempt.case
    if attempt.direction == "outbound" and case is not None and case.callback_requested_at is not None:
        case.callback_requested_at = None
