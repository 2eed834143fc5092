"""What a report is asked for (period, department, operator) and who may ask.

One form serves the screen, the CSV, the PDF and the JSON API. It is read from the query
string: a report changes nothing, so it is a GET (bookmarkable, and no CSRF token in URLs).
"""

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, SelectField
from wtforms.validators import InputRequired, ValidationError

from app.auth.access import ALL_DEPARTMENTS
from app.auth.models import Department, User
from app.auth.permissions import CLAIMERS, REPORT_READERS
from app.extensions import db
from app.reports.periods import EARLIEST, LATEST, MAX_DAYS, period_problem

READERS = REPORT_READERS
# Whose calls and promises the operator filter offers.
CALLERS = CLAIMERS


class DepartmentNotVisible(Exception):
    """An unknown department, or another department than a supervisor's own (404 everywhere)."""


class ReportForm(FlaskForm):
    class Meta:
        csrf = False  # read-only GET; see the module docstring

    date_from = DateField(_l("From"), name="from", format="%Y-%m-%d", validators=[InputRequired()])
    date_to = DateField(_l("To"), name="to", format="%Y-%m-%d", validators=[InputRequired()])
    department = SelectField(_l("Department"), choices=[], default="")
    operator = SelectField(_l("Operator"), choices=[], default="")

    def validate_date_to(self, field):
        if self.date_from.data and field.data:
            problem = period_problem(self.date_from.data, field.data)
            if problem == "outside the supported dates":
                raise ValidationError(_l("The dates must be between %(first)s and %(last)s.",
                                         first=EARLIEST.isoformat(), last=LATEST.isoformat()))
            if problem == "end before start":
                raise ValidationError(_l("The end date is before the start date."))
            if problem:
                raise ValidationError(_l("A report covers at most %(days)s days.", days=MAX_DAYS))


@dataclass(frozen=True)
class ReportQuery:
    start: date
    end: date
    department: Department | None
    operator: User | None

    def args(self, **extra) -> dict:
        """The query-string arguments that ask for this report again (links to CSV and PDF)."""
        args = {"from": self.start.isoformat(), "to": self.end.isoformat(),
                "department": self.department.code if self.department else "",
                "operator": self.operator.login if self.operator else ""}
        args.update(extra)
        return {k: v for k, v in args.items() if v}

    def filename(self, extension: str) -> str:
        scope = self.department.code if self.department else "ALL"
        who = f"-{self.operator.login}" if self.operator else ""
        return f"report-{scope}{who}-{self.start.isoformat()}-{self.end.isoformat()}.{extension}"


def resolve_department(viewer: User, code: str | None) -> Department | None:
    """The department a report covers: None for all (managers and admins only); a supervisor
    always gets their own. Raises DepartmentNotVisible for an unknown or foreign code."""
    code = (code or "").strip()
    if viewer.role not in ALL_DEPARTMENTS:
        own = viewer.department
        if code and (own is None or code != own.code):
            raise DepartmentNotVisible(code)
        return own
    if not code:
        return None
    dept = db.session.scalar(select(Department).where(Department.code == code))
    if dept is None:
        raise DepartmentNotVisible(code)
    return dept


def bind(viewer: User, args) -> tuple[ReportForm, Department | None]:
    """The form filled from `args` (a MultiDict), with the choices `viewer` may pick from."""
    dept = resolve_department(viewer, args.get("department"))
    form = ReportForm(formdata=args)
    if viewer.role in ALL_DEPARTMENTS:
        departments = db.session.scalars(select(Department).order_by(Department.code)).all()
        form.department.choices = [("", _l("All departments"))] + [(d.code, d.name) for d in departments]
    else:
        form.department.choices = [(dept.code, dept.name)] if dept else []
    form.department.data = dept.code if dept else ""
    callers = select(User).where(User.role.in_(CALLERS)).order_by(User.login)
    if dept is not None:
        callers = callers.where(User.department_id == dept.id)
    form.operator.choices = [("", _l("All operators"))] + [
        (u.login, f"{u.display_name} ({u.login})" if u.display_name != u.login else u.login)
        for u in db.session.scalars(callers)
    ]
    return form, dept


def query_of(form: ReportForm, dept: Department | None) -> ReportQuery:
    """The validated form as a ReportQuery."""
    operator = None
    if form.operator.data:
        operator = db.session.scalar(select(User).where(User.login == form.operator.data))
    return ReportQuery(form.date_from.data, form.date_to.data, dept, operator)


def field_errors(form: ReportForm) -> dict[str, list[str]]:
    """Errors by the query-string name of the field (`from`, `to`, ...), for the JSON API."""
    return {field.name: [str(e) for e in field.errors] for field in form if field.errors}
