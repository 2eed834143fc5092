"""The one table of who may do what: each permission is the set of roles that hold it.

Views and API routes name a permission (`roles_required(*CALL_LOGGERS)`), never a list of
roles of their own, so a change of policy is one line here. Department scoping (which
department's rows a user sees) is `app.auth.access`.

| permission            | operator | supervisor | manager | admin |
|-----------------------|:--------:|:----------:|:-------:|:-----:|
| CASE_READERS          |    x     |     x      |    x    |   x   |
| CLAIMERS              |    x     |     x      |         |       |
| CALL_LOGGERS          |    x     |     x      |         |   x   |
| CASE_WRITERS          |    x     |     x      |         |   x   |
| IMPORTERS             |          |     x      |    x    |   x   |
| PAYMENT_POSTERS       |          |            |    x    |   x   |
| CONFIG_EDITORS        |          |     x      |         |   x   |
| CONFIG_READERS        |          |     x      |    x    |   x   |
| REPORT_READERS        |          |     x      |    x    |   x   |
| ABOVE_BALANCE         |          |     x      |         |   x   |
| ALL_DEPARTMENTS       |          |            |    x    |   x   |
| OPERATIONS            |          |            |         |   x   |
"""

from app.auth.models import Role

OPERATOR, SUPERVISOR, MANAGER, ADMIN = Role.OPERATOR, Role.SUPERVISOR, Role.MANAGER, Role.ADMIN

CASE_READERS = frozenset({OPERATOR, SUPERVISOR, MANAGER, ADMIN})  # find and read cases
CLAIMERS = frozenset({OPERATOR, SUPERVISOR})  # "Next case": people who make calls
CALL_LOGGERS = frozenset({OPERATOR, SUPERVISOR, ADMIN})  # log a call on a case
CASE_WRITERS = frozenset({OPERATOR, SUPERVISOR, ADMIN})  # promises, opt-outs on a case
IMPORTERS = frozenset({SUPERVISOR, MANAGER, ADMIN})  # case CSV imports
PAYMENT_POSTERS = frozenset({MANAGER, ADMIN})  # the revenue system's payments
CONFIG_EDITORS = frozenset({SUPERVISOR, ADMIN})  # rules, templates, departments, users
CONFIG_READERS = frozenset({SUPERVISOR, MANAGER, ADMIN})  # read the configuration
REPORT_READERS = frozenset({SUPERVISOR, MANAGER, ADMIN})  # reports and their exports
ABOVE_BALANCE = frozenset({SUPERVISOR, ADMIN})  # a promise above the balance
ALL_DEPARTMENTS = frozenset({MANAGER, ADMIN})  # see every department, not only one's own
OPERATIONS = frozenset({ADMIN})  # /admin/ops: queues, failed jobs
