"""GET /api/v1/inbox?department=CODE[&state=new] and POST /api/v1/inbox/<id> {"state",
"classification"}: the reply inbox for integrations.

Operators and supervisors read and change their own department's replies (another
department's is 404); managers read any; admins read and change any, and `department=unrouted`
lists the replies no department's sender ID received.
"""

from flask import request
from flask_login import current_user

from app import clock
from app.api.errors import BadRequest, NotFound, Unprocessable
from app.api.operations import Param, operation
from app.api.schemas import Reply, ReplyUpdate
from app.auth.departments import department_by_code
from app.auth.permissions import ALL_DEPARTMENTS, CASE_READERS, CASE_WRITERS
from app.extensions import db
from app.inbox import services
from app.sms.models import InboundSms, ReplyState

MAX_REPLIES = 200


def _reply(reply: InboundSms) -> Reply:
    return Reply.of(reply, services.matching_cases(reply))


@operation("GET", "/inbox", operation_id="listInbox", tags=("inbox",), roles=CASE_READERS,
           summary="A department's reply inbox, newest first (at most 200).",
           description="Operators and supervisors: their own department (the default); managers and "
                       "admins: any, and `unrouted` for replies no department's sender ID received.",
           params=(Param("department", "query", {"type": "string"},
                         description="a department code, or `unrouted` (managers, admins)"),
                   Param("state", "query", {"type": "string", "enum": [str(s) for s in ReplyState]})),
           answers={200: list[Reply]}, errors=(400, 403, 404))
def inbox_list():
    code = request.args.get("department", "").strip()
    state = request.args.get("state")
    if state is not None and state not in tuple(ReplyState):
        raise BadRequest("state must be one of " + ", ".join(ReplyState), {"state": "unknown state"})
    if code == "unrouted":
        if current_user.role not in ALL_DEPARTMENTS:
            raise NotFound("department not found")
        department_id = None
    else:
        dept = department_by_code(code) if code else (
            current_user.department if current_user.role not in ALL_DEPARTMENTS else None)
        if dept is None and not code:
            raise BadRequest("department is required", {"department": "a department code"})
        if dept is None or (current_user.role not in ALL_DEPARTMENTS
                            and dept.id != current_user.department_id):
            raise NotFound("department not found")
        department_id = dept.id
    return [_reply(r) for r in services.replies(department_id, state, MAX_REPLIES)]


@operation("POST", "/inbox/<int:reply_id>", operation_id="updateReply", tags=("inbox",), roles=CASE_WRITERS,
           summary="Set a reply's state and/or correct its classification (its effects follow).",
           description="Operators, supervisors and admins (managers read only). Another department's "
                       "reply is 404.",
           body=ReplyUpdate, answers={200: Reply}, errors=(400, 403, 404, 422))
def inbox_update(reply_id: int, body: ReplyUpdate):
    reply = db.session.get(InboundSms, reply_id)
    if reply is None or reply.opt_out or (current_user.role not in ALL_DEPARTMENTS and (
            reply.department_id is None or reply.department_id != current_user.department_id)):
        raise NotFound("reply not found")
    fields = {k: "must be a string" for k in ("state", "classification")
              if not isinstance(getattr(body, k), str | None)}
    if fields:
        raise Unprocessable("state and classification must be strings", fields)
    try:
        services.update_reply(reply, current_user, clock.utcnow(), state=body.state,
                              classification=body.classification)
    except services.InboxError as exc:
        db.session.rollback()
        raise Unprocessable(str(exc), exc.fields) from None
    db.session.commit()
    return _reply(reply), 200
