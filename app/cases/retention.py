"""Retention of uploaded import files: the file is deleted IMPORT_FILE_RETENTION_DAYS after
its import finished (the import's counts and row errors stay)."""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import update

from app.cases.models import ImportJob
from app.extensions import db


def purge_import_files(now: datetime) -> int:
    """Delete the files of imports finished before the retention period; idempotent.
    Returns how many files were deleted now."""
    cutoff = now - timedelta(days=current_app.config["IMPORT_FILE_RETENTION_DAYS"])
    return db.session.execute(
        update(ImportJob).where(ImportJob.finished_at.is_not(None), ImportJob.finished_at < cutoff,
                                ImportJob.content_deleted_at.is_(None))
        .values(content=b"", content_deleted_at=now).execution_options(synchronize_session=False)).rowcount
