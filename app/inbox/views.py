"""/sms/inbox: a department's replies (operators, supervisors; managers read; admins any,
and the unrouted ones); the unread count in the header; the supervisor's auto-acknowledgement
choice; and the supervisor's "give this number its SMS back" on the case screen."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app import clock
from app.auth.access import ALL_DEPARTMENTS, roles_required
from app.auth.models import Department, Role
from app.cases.models import Phone
from app.cases.search import visible_case
from app.extensions import db
from app.inbox import services
from app.inbox.labels import CLASS_LABELS, STATE_LABELS
from app.inbox.models import InboxSettings
from app.sms.models import InboundSms, ReplyState, SmsTemplate

bp = Blueprint("inbox", __name__)

READERS = (Role.OPERATOR, Role.SUPERVISOR, Role.MANAGER, Role.ADMIN)
WRITERS = (Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN)
UNROUTED = "unrouted"


def init_app(app) -> None:
    """Register the pages and the header count."""
    if "inbox" not in app.blueprints:
        app.register_blueprint(bp)
    app.jinja_env.globals.update(inbox_unread=header_unread, inbox_class_labels=CLASS_LABELS,
                                 inbox_state_labels=STATE_LABELS)


def header_unread() -> int | None:
    """The header's count: new replies in the inbox of an operator's or supervisor's department."""
    if not current_user.is_authenticated or current_user.role not in (Role.OPERATOR, Role.SUPERVISOR):
        return None
    if current_user.department_id is None:
        return None
    return services.unread_count(current_user.department_id)


def visible_departments() -> list[Department]:
    stmt = select(Department).order_by(Department.code)
    if current_user.role not in ALL_DEPARTMENTS:
        stmt = stmt.where(Department.id == current_user.department_id)
    return list(db.session.scalars(stmt))


def pick(code: str | None) -> tuple[Department | None, bool]:
    """(department, unrouted): the inbox a request asks for; 404 when the user may not see it."""
    departments = visible_departments()
    if code == UNROUTED:
        if current_user.role not in ALL_DEPARTMENTS:
            abort(404)
        return None, True
    if code:
        dept = next((d for d in departments if d.code == code), None)
    else:
        dept = next((d for d in departments if d.id == current_user.department_id), None)
        dept = dept or (departments[0] if departments else None)
    if dept is None:
        abort(404)
    return dept, False


def may_see(reply: InboundSms) -> bool:
    if reply.opt_out:
        return False
    if current_user.role in ALL_DEPARTMENTS:
        return True
    return reply.department_id is not None and reply.department_id == current_user.department_id


@bp.get("/sms/inbox")
@roles_required(*READERS)
def page():
    dept, unrouted = pick(request.args.get("department"))
    state = request.args.get("state", "")
    if state not in ("", *ReplyState):
        state = ""
    rows = services.replies(None if unrouted else dept.id, state or None)
    settings = db.session.get(InboxSettings, dept.id) if dept else None
    can_configure = dept is not None and (current_user.role == Role.ADMIN or (
        current_user.role == Role.SUPERVISOR and current_user.department_id == dept.id))
    templates = (db.session.scalars(select(SmsTemplate).where(SmsTemplate.department_id == dept.id)
                                    .order_by(SmsTemplate.name)).all() if can_configure else [])
    return render_template(
        "inbox/inbox.html", department=dept, unrouted=unrouted, state=state, replies=rows,
        cases={r.id: services.matching_cases(r) for r in rows}, departments=visible_departments(),
        can_write=current_user.role in WRITERS, can_configure=can_configure, templates=templates,
        auto_ack_id=settings.auto_ack_template_id if settings else None,
        show_unrouted=current_user.role in ALL_DEPARTMENTS,
    )


@bp.post("/sms/inbox/<int:reply_id>")
@roles_required(*WRITERS)
def update(reply_id: int):
    """Change a reply's state and/or classification (a form on the inbox page)."""
    reply = db.session.get(InboundSms, reply_id)
    if reply is None or not may_see(reply):
        abort(404)
    state = request.form.get("state") or None
    classification = request.form.get("classification") or None
    target = request.form.get("department") or None
    try:
        if target is not None:  # an admin files an unrouted reply
            dept = next((d for d in visible_departments() if d.code == target), None)
            if current_user.role != Role.ADMIN or dept is None:
                abort(403 if current_user.role != Role.ADMIN else 404)
            services.route_to(reply, dept, current_user, clock.utcnow())
        else:
            services.update_reply(reply, current_user, clock.utcnow(), state=state,
                                  classification=classification)
    except services.InboxError:
        db.session.rollback()
        flash(_("That change is not possible."), "error")
    else:
        db.session.commit()
        flash(_("Reply updated."), "success")
    code = reply.department.code if reply.department else UNROUTED
    return redirect(url_for(".page", department=code, state=request.form.get("filter", "")))


@bp.post("/sms/inbox/settings/<code>")
@roles_required(Role.SUPERVISOR, Role.ADMIN)
def settings(code: str):
    """The supervisor chooses the department's auto-acknowledgement template (or none)."""
    dept, _unrouted = pick(code)
    if dept is None or (current_user.role != Role.ADMIN and dept.id != current_user.department_id):
        abort(404)
    raw = request.form.get("auto_ack_template_id", "").strip()
    template = None
    if raw:
        template = db.session.get(SmsTemplate, int(raw)) if raw.isdigit() and len(raw) < 10 else None
        if template is None or template.department_id != dept.id:
            flash(_("Choose one of the department's templates."), "error")
            return redirect(url_for(".page", department=dept.code))
        if any(p in template.body_ja for p in ("{name}", "{amount}", "{due_date}")):
            flash(_("The acknowledgement must be a generic template: no name, amount or due date."), "error")
            return redirect(url_for(".page", department=dept.code))
    services.set_auto_ack(dept, template, current_user, clock.utcnow())
    db.session.commit()
    flash(_("Auto-acknowledgement saved."), "success")
    return redirect(url_for(".page", department=dept.code))


@bp.post("/cases/<int:case_id>/phones/<int:phone_id>/restore-sms")
@roles_required(*services.LIFTERS)
def restore_sms(case_id: int, phone_id: int):
    """A supervisor gives a number marked "wrong person" its SMS back for this taxpayer."""
    case = visible_case(case_id, current_user)
    phone = db.session.get(Phone, phone_id) if case is not None else None
    if phone is None or phone.taxpayer_id != case.taxpayer_id:
        abort(404)
    if phone.wrong_person_at is not None:
        services.lift_wrong_person(case, phone, current_user, clock.utcnow())
        db.session.commit()
        flash(_("The number may receive SMS again."), "success")
    return redirect(url_for("cases.case_screen", case_id=case.id))
