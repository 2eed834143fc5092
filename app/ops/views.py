"""/healthz and /readyz for the load balancer and the process manager (no login, no personal
data), and the admins' operations page (/admin/ops) with its failed-job buttons."""

from flask import Blueprint, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import clock
from app.auth.access import roles_required
from app.auth.permissions import OPERATIONS
from app.extensions import db
from app.ops import readiness, services

bp = Blueprint("ops", __name__)


def init_app(app) -> None:
    app.register_blueprint(bp)


@bp.get("/healthz")
def healthz():
    """The process is up and answers; touches neither the database nor Redis."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """200 when the database, its migrations and Redis (if configured) are fine, else 503
    with `failed` naming the checks that are not."""
    ready, checks = readiness.readiness()
    failed = sorted(name for name, value in checks.items() if value not in ("ok", "not configured"))
    body = {"status": "ok" if ready else "unavailable", "checks": checks}
    if failed:
        body["failed"] = failed
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if ready else 503


@bp.get("/admin/ops")
@roles_required(*OPERATIONS)
def page():
    return render_template(
        "ops/ops.html", depths=services.queue_depths(), failed=services.failed_jobs(),
        sms_counts=services.sms_counts(), sweep=services.last_run(services.SWEEP),
    )


@bp.post("/admin/ops/jobs/<job_id>/retry")
@roles_required(*OPERATIONS)
def retry_job(job_id: str):
    return _act(services.retry_failed_job, job_id, _("The job is back in its queue."))


@bp.post("/admin/ops/jobs/<job_id>/discard")
@roles_required(*OPERATIONS)
def discard_job(job_id: str):
    return _act(services.discard_failed_job, job_id, _("The job was discarded."))


def _act(action, job_id: str, done: str):
    try:
        action(job_id, current_user, clock.utcnow())
    except services.JobNotFound:
        db.session.rollback()
        flash(_("That job is no longer among the failed jobs."), "error")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(url_for("ops.page"))
