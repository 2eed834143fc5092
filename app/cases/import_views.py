"""The import pages: /imports (upload form and recent imports) and /imports/<id> (progress, errors).

These routes live on the `cases` blueprint (`app.cases.blueprint`).
"""

from flask import abort, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField

from app import clock
from app.auth.access import roles_required
from app.cases import importing, jobs
from app.cases.blueprint import bp
from app.cases.import_options import OptionError, parse_as_of, parse_mode
from app.cases.models import ImportJob, ImportStatus
from app.extensions import db

RECENT = 20


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired()])
    as_of = StringField(_l("Extract made at (local time)"), render_kw={"type": "datetime-local"})
    # Rendered as radio buttons of MODE_LABELS (no RadioField: tuple choices are deprecated).
    mode = StringField(_l("Mode"), default="delta")


MODE_LABELS = {"delta": _l("Delta: the rows that changed"),
               "full": _l("Full snapshot: open charges missing from the file close")}


@bp.route("/imports", methods=["GET", "POST"])
@roles_required(*importing.IMPORTER_ROLES)
def imports():
    form = ImportForm()
    if form.validate_on_submit():
        content = form.file.data.read()
        now = clock.utcnow()
        try:
            as_of, mode = parse_as_of(form.as_of.data, now), parse_mode(form.mode.data)
        except OptionError as exc:
            getattr(form, exc.field).errors.append(exc.message)
        else:
            if content:
                job = jobs.queue_import(current_user, form.file.data.filename or "", content,
                                             now, as_of, mode)
                db.session.commit()
                return redirect(url_for("cases.import_detail", import_id=job.id))
            form.file.errors.append(_l("The file is empty."))
    recent = db.session.scalars(
        importing.visible_imports(current_user).order_by(ImportJob.id.desc()).limit(RECENT)
    ).all()
    return render_template("cases/imports.html", form=form, recent=recent, mode_labels=MODE_LABELS)


@bp.get("/imports/<int:import_id>")
@roles_required(*importing.IMPORTER_ROLES)
def import_detail(import_id: int):
    job = importing.visible_import(import_id, current_user)
    if job is None:
        abort(404)
    finished = job.status in (ImportStatus.DONE, ImportStatus.FAILED)
    return render_template("cases/import.html", job=job, finished=finished)
