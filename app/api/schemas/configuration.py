"""The shapes of /api/v1/templates and /api/v1/rules (issue 10), as pydantic models like
app.api.schemas. The bodies' values are typed for the document but checked by the editors' own
service (`template_problems`, `rule_problems`), which names the field and the reason; unknown
keys are kept (`extra="allow"`) so the route can refuse them rather than drop a typo."""

from pydantic import ConfigDict, Field

from app.api.schemas.base import Id, Request, Response, domain_checked
from app.escalation.models import Action, PhoneScope, Trigger
from app.sms.models import Disclosure

CODE = {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,32}$", "description": "a department code"}
TEXT = {"type": "string"}
NAME = {"type": "string", "maxLength": 100}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
NULLABLE_ID = {"type": "integer", "minimum": 1, "nullable": True}
DISCLOSURE = {"type": "string", "enum": [str(d) for d in Disclosure],
              "description": "personal: uses {name}, {amount} or {due_date} (sent only to a verified phone)"}
LANGUAGE = {"type": "string", "enum": ["ja", "en"]}


class Template(Response):
    """An SMS template of a department."""

    id: Id
    department: str = Field(description="the department's code")
    name: str
    body_ja: str
    body_en: str
    disclosure: Disclosure = Field(description=DISCLOSURE["description"])
    active: bool


class Rule(Response):
    """An escalation rule of a department."""

    id: Id
    department: str = Field(description="the department's code")
    name: str
    trigger: Trigger
    count: int
    window_days: int
    phone_scope: PhoneScope
    action: Action
    template_id: Id | None
    fallback_template_id: Id | None = Field(
        description="the generic template sent to a phone not verified (required with a personal template)")
    language: str = Field(json_schema_extra={"enum": ["ja", "en"]})
    delay_minutes: int
    active: bool


class ConfigRequest(Request):
    model_config = ConfigDict(extra="allow")


class TemplateCreate(ConfigRequest):
    """A new template; `name` and `body_ja` are required (the editor says so when missing)."""

    department: domain_checked({**CODE, "description": "default: your own"}) = None
    name: domain_checked(NAME) = None
    body_ja: domain_checked(TEXT) = None
    body_en: domain_checked(TEXT) = ""
    active: domain_checked(BOOLEAN) = True


class TemplatePatch(ConfigRequest):
    """Only the fields sent change; `id`, `department` and `disclosure` may come back unchanged."""

    name: domain_checked(NAME) = None
    body_ja: domain_checked(TEXT) = None
    body_en: domain_checked(TEXT) = None
    active: domain_checked(BOOLEAN) = None
    id: domain_checked({"type": "integer", "description": "read-only"}) = None
    department: domain_checked({**CODE, "description": "read-only"}) = None
    disclosure: domain_checked({**DISCLOSURE, "description": "read-only"}) = None


_ACTION = {"type": "string", "enum": [*map(str, Action), "hand_to_supervisor"],
           "description": "hand_to_supervisor: the old word for hand_over"}


class RuleCreate(ConfigRequest):
    """A new rule; what is left out takes the editor's defaults (`name` is required)."""

    department: domain_checked({**CODE, "description": "default: your own"}) = None
    name: domain_checked(NAME) = None
    trigger: domain_checked({"type": "string", "enum": [str(t) for t in Trigger]}) = None
    count: domain_checked(INTEGER) = None
    window_days: domain_checked(INTEGER) = None
    phone_scope: domain_checked({"type": "string", "enum": [str(s) for s in PhoneScope]}) = None
    action: domain_checked(_ACTION) = None
    template_id: domain_checked(NULLABLE_ID) = None
    fallback_template_id: domain_checked(NULLABLE_ID) = None
    language: domain_checked(LANGUAGE) = None
    priority_boost: domain_checked({**INTEGER, "description": "for raise_priority"}) = None
    delay_minutes: domain_checked(INTEGER) = None
    active: domain_checked(BOOLEAN) = None


class RulePatch(RuleCreate):
    """Only the fields sent change; `id` and `department` may come back unchanged."""

    id: domain_checked({"type": "integer", "description": "read-only"}) = None
    department: domain_checked({**CODE, "description": "read-only"}) = None
