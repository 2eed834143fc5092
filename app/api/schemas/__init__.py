"""Every shape of the JSON API, once, as pydantic models (one module per part of the API, all
re-exported here).

A response model is built from the ORM row (`from_attributes`) and dumped as the answer; a
request model validates the body's structure before the route calls its service; and
`openapi.py` writes the OpenAPI document from these same models. A response model forbids
extra keys and lists every key as required, so a changed shape changes the document too, and
tests/api/test_openapi_fuzz.py checks the answers against it.

Why pydantic (not apiflask or flask-smorest + marshmallow): the routes stay plain Flask views
on the existing blueprint (no second app object, no change to sessions, CSRF or error pages),
the models are typed Python that the domain's StrEnums plug into, and one model gives both the
validation and the JSON Schema. Values whose rules belong to the domain (an amount, a date, an
outcome: the same rules as the pages' forms) are typed for the document but checked by the
service, which names the field and the reason; the model checks what the body is made of.
"""

from app.api.schemas.base import (  # noqa: F401
    AMOUNT,
    DATE,
    Count,
    Error,
    Id,
    Rate,
    Request,
    Response,
    Timestamp,
    Yen,
    domain_checked,
    iso_date,
)
from app.api.schemas.cases import (  # noqa: F401
    AmountDue,
    AmountDueCharge,
    Call,
    CaseAfterPayment,
    CaseDetail,
    CaseSummary,
    Charge,
    Instalment,
    NonNegativeYen,
    Payment,
    PaymentResult,
    Phone,
    Promise,
    Sms,
    SmsError,
    Taxpayer,
)
from app.api.schemas.imports import (  # noqa: F401
    CaseCounts,
    ChargeCounts,
    Import,
    ImportSummary,
    PaymentsApplied,
    RowError,
)
from app.api.schemas.inbox import (  # noqa: F401
    Reply,
    ReplyCase,
    ReplyUpdate,
)
from app.api.schemas.reports import (  # noqa: F401
    CallFigures,
    DayFigures,
    OperatorFigures,
    PaymentFigures,
    PromiseFigures,
    PromiseOutcomes,
    ReminderEffect,
    ReminderGroup,
    Report,
    ReportDepartment,
    ReportOperator,
    ReportPeriod,
    SmsFigures,
)
from app.api.schemas.requests import (  # noqa: F401
    CallRequest,
    ConsentRequest,
    ImportRequest,
    InstalmentRequest,
    PaymentRequest,
    PromiseRequest,
)
