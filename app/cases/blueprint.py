"""The `cases` blueprint, shared by the case pages (`views`) and the import pages (`import_views`)."""

from flask import Blueprint

bp = Blueprint("cases", __name__)
