"""/api/v1/imports: case imports (upload a CSV, then poll its status).

`POST /api/v1/imports` (multipart field `file`; optional fields `as_of`, local time
YYYY-MM-DDTHH:MM the core system produced the file, and `mode`, delta | full) answers 202 with
the same body as `GET /api/v1/imports/<id>`, and the status URL in `Location`; bad options 422.
"""

from flask import request, url_for
from flask_login import current_user

from app import clock
from app.api.errors import BadRequest, NotFound, Unprocessable
from app.api.operations import operation
from app.api.schemas import Import, ImportRequest
from app.cases import importing, jobs
from app.cases.import_options import OptionError, parse_as_of, parse_mode
from app.extensions import db


@operation("POST", "/imports", operation_id="uploadImport", tags=("imports",),
           roles=importing.IMPORTER_ROLES, summary="Upload a case CSV.",
           description="Supervisors (own department's rows), managers, admins. Poll the Location.",
           body=ImportRequest, body_media="multipart/form-data", answers={202: Import},
           errors=(400, 403, 413, 422),
           headers={202: {"Location": {"description": "the import's status URL",
                                       "schema": {"type": "string"}}}})
def upload_import():
    upload = request.files.get("file")
    if upload is None:
        raise BadRequest("the multipart field 'file' is required", {"file": "required"})
    content = upload.read()
    if not content:
        raise BadRequest("the file is empty", {"file": "empty"})
    now = clock.utcnow()
    try:
        as_of, mode = parse_as_of(request.form.get("as_of"), now), parse_mode(request.form.get("mode"))
    except OptionError as exc:
        raise Unprocessable(exc.text, {exc.field: exc.text}) from None
    job = jobs.queue_import(current_user, upload.filename or "", content, now, as_of, mode)
    db.session.commit()
    return Import.model_validate(job), 202, {"Location": url_for("api.import_status", import_id=job.id)}


@operation("GET", "/imports/<int:import_id>", operation_id="getImport", tags=("imports",),
           roles=importing.IMPORTER_ROLES, summary="An import's progress and row errors.",
           answers={200: Import}, errors=(403, 404))
def import_status(import_id: int):
    job = importing.visible_import(import_id, current_user)
    if job is None:
        raise NotFound("import not found")
    return Import.model_validate(job)
