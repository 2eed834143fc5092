"""The inbox's own settings per department (the replies are app.sms.models.InboundSms rows)."""

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import UTCDateTime
from app.extensions import db
from app.sms.models import SmsTemplate


class InboxSettings(db.Model):
    """A department's optional auto-acknowledgement: a generic template sent to a number that
    replied, at most once per number per day, through the normal outbox."""

    __tablename__ = "inbox_settings"

    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), primary_key=True)
    auto_ack_template_id: Mapped[int | None] = mapped_column(ForeignKey("sms_templates.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    auto_ack_template: Mapped[SmsTemplate | None] = relationship()
