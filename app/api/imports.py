"""/api/v1/imports: case imports (upload a CSV, then poll its status).

`POST /api/v1/imports` (multipart field `file`) answers 202 with the same body as
`GET /api/v1/imports/<id>`: `{"id", "status", "total", "imported", "errors", "message"}`.
"""

from flask import jsonify, request, url_for
from flask_login import current_user

from app import clock
from app.api.blueprint import bp
from app.auth.access import roles_required
from app.cases import importing, jobs
from app.cases.models import ImportJob
from app.extensions import db


def import_dict(job: ImportJob) -> dict:
    return {
        "id": job.id, "status": job.status, "filename": job.filename, "total": job.total,
        "imported": job.imported, "errors": job.errors or [], "message": job.message,
    }


@bp.post("/imports")
@roles_required(*importing.IMPORTER_ROLES)
def upload_import():
    upload = request.files.get("file")
    if upload is None:
        return jsonify(error="the multipart field 'file' is required"), 400
    content = upload.read()
    if not content:
        return jsonify(error="the file is empty"), 400
    job = jobs.queue_import(current_user, upload.filename or "", content, clock.utcnow())
    db.session.commit()
    response = jsonify(import_dict(job))
    response.headers["Location"] = url_for("api.import_status", import_id=job.id)
    return response, 202


@bp.get("/imports/<int:import_id>")
@roles_required(*importing.IMPORTER_ROLES)
def import_status(import_id: int):
    job = importing.visible_import(import_id, current_user)
    if job is None:
        return jsonify(error="import not found"), 404
    return jsonify(import_dict(job))
