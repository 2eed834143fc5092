"""apply_receipt: parts, messages, multi-part aggregation, client-ref recovery, idempotency."""

import pytest

from app.cases.models import Case, Phone
from app.extensions import db
from app.sms.models import SmsMessage, SmsPart, SmsStatus
from app.sms.receipts import ReceiptError, apply_receipt
from tests import factories as f
from tests.sms.receipt_helpers import LONG_JA, NOW, audits, dlr, fresh, minutes, queued_message, sent_message


@pytest.fixture
def case(app):
    return f.case(f.department("TAX"))


def test_delivered_receipt_delivers_a_one_part_message(case):
    message = sent_message(case)
    part_id = message.parts[0].provider_message_id
    assert apply_receipt(dlr(part_id), NOW + minutes(1)) == "updated"
    db.session.commit()
    message = fresh(SmsMessage, message.id)
    assert message.status == SmsStatus.DELIVERED
    assert message.delivered_at == NOW + minutes(1)
    part = message.parts[0]
    assert (part.status, part.error_code, part.price) == ("delivered", "0", "0.07000000")
    assert part.network == "44010"
    assert audits("sms.receipt") == 1


def test_the_same_receipt_twice_changes_nothing_the_second_time(case):
    message = sent_message(case)
    receipt = dlr(message.parts[0].provider_message_id)
    assert apply_receipt(receipt, NOW + minutes(1)) == "updated"
    db.session.commit()
    assert apply_receipt(dict(receipt), NOW + minutes(9)) == "duplicate"
    db.session.commit()
    message = fresh(SmsMessage, message.id)
    assert message.updated_at == NOW + minutes(1) and message.delivered_at == NOW + minutes(1)
    assert message.parts[0].receipt_at == NOW + minutes(1)
    assert audits("sms.receipt") == 1


def test_a_late_intermediate_receipt_never_moves_a_final_status_back(case):
    message = sent_message(case)
    part_id = message.parts[0].provider_message_id
    apply_receipt(dlr(part_id, "delivered"), NOW + minutes(1))
    assert apply_receipt(dlr(part_id, "accepted"), NOW + minutes(2)) == "duplicate"
    assert apply_receipt(dlr(part_id, "buffered"), NOW + minutes(2)) == "duplicate"
    assert apply_receipt(dlr(part_id, "failed", "8"), NOW + minutes(3)) == "duplicate"
    db.session.commit()
    message = fresh(SmsMessage, message.id)
    assert message.status == SmsStatus.DELIVERED and message.parts[0].status == SmsStatus.DELIVERED


def test_accepted_then_delivered(case):
    message = sent_message(case)
    part_id = message.parts[0].provider_message_id
    assert apply_receipt(dlr(part_id, "accepted"), NOW + minutes(1)) == "updated"
    assert fresh(SmsMessage, message.id).status == SmsStatus.SENT
    assert apply_receipt(dlr(part_id, "accepted"), NOW + minutes(1)) == "duplicate"
    assert apply_receipt(dlr(part_id, "delivered"), NOW + minutes(2)) == "updated"
    assert fresh(SmsMessage, message.id).status == SmsStatus.DELIVERED


def test_a_long_message_is_delivered_only_when_every_part_is(case):
    message = sent_message(case, LONG_JA)
    assert message.segments == 2 and len(message.parts) == 2
    first, second = (p.provider_message_id for p in message.parts)
    assert apply_receipt(dlr(second), NOW + minutes(1)) == "updated"
    message = fresh(SmsMessage, message.id)
    assert message.status == SmsStatus.SENT and message.delivered_at is None
    assert apply_receipt(dlr(first), NOW + minutes(2)) == "updated"
    message = fresh(SmsMessage, message.id)
    assert message.status == SmsStatus.DELIVERED and message.delivered_at == NOW + minutes(2)


def test_a_long_message_fails_when_one_part_fails_and_the_case_goes_back_to_calls(case):
    case.next_action_at = NOW + minutes(600)
    db.session.commit()
    message = sent_message(case, LONG_JA)
    first, second = (p.provider_message_id for p in message.parts)
    apply_receipt(dlr(first), NOW + minutes(1))
    assert apply_receipt(dlr(second, "failed", "6"), NOW + minutes(2)) == "updated"
    db.session.commit()
    message = fresh(SmsMessage, message.id)
    assert message.status == SmsStatus.FAILED
    assert (message.error_code, message.error_text) == ("6", "Anti-spam rejection")
    assert message.delivered_at is None
    phone = db.session.get(Phone, message.phone_id)
    assert phone.usable  # an anti-spam filter is not a dead number
    assert db.session.get(Case, case.id).next_action_at == NOW + minutes(2)


def test_a_dead_number_receipt_marks_the_phone_unusable(case):
    message = sent_message(case)
    receipt = dlr(message.parts[0].provider_message_id, "failed", "3")
    assert apply_receipt(receipt, NOW + minutes(1)) == "updated"
    db.session.commit()
    message = fresh(SmsMessage, message.id)
    assert (message.status, message.error_code) == (SmsStatus.FAILED, "3")
    phone = db.session.get(Phone, message.phone_id)
    assert not phone.usable and phone.unusable_reason == "sms_failed"
    assert db.session.get(Case, case.id).next_action_at <= NOW + minutes(1)
    assert audits("phone.unusable") == 1


@pytest.mark.parametrize("status", ["expired", "rejected"])
def test_expired_and_rejected_are_final_failures(case, status):
    message = sent_message(case)
    apply_receipt(dlr(message.parts[0].provider_message_id, status, "0"), NOW + minutes(1))
    message = fresh(SmsMessage, message.id)
    assert message.status == status and message.error_text == status


def test_unknown_then_delivered(case):
    message = sent_message(case)
    part_id = message.parts[0].provider_message_id
    apply_receipt(dlr(part_id, "unknown", "1"), NOW + minutes(1))
    message = fresh(SmsMessage, message.id)
    assert (message.status, message.reason) == (SmsStatus.UNKNOWN, "receipt_unknown")
    assert apply_receipt(dlr(part_id, "accepted"), NOW + minutes(2)) == "duplicate"
    apply_receipt(dlr(part_id, "delivered"), NOW + minutes(3))
    message = fresh(SmsMessage, message.id)
    assert (message.status, message.reason) == (SmsStatus.DELIVERED, None)


def test_client_ref_resolves_a_message_whose_worker_died_after_the_provider_accepted_it(case):
    # The worker marked it sending, Vonage accepted it, then the worker was killed: no parts.
    message = queued_message(case, LONG_JA)
    message.status, message.attempts, message.last_attempt_at = SmsStatus.SENDING, 1, NOW
    db.session.commit()
    assert apply_receipt(dlr("0B0000000000000A", "accepted", client_ref=message.client_ref),
                         NOW + minutes(1)) == "updated"
    message = fresh(SmsMessage, message.id)
    assert message.status == SmsStatus.SENT and message.sent_at == NOW + minutes(1)
    assert [p.provider_message_id for p in message.parts] == ["0B0000000000000A"]
    # The second part's receipt also comes by client-ref; then the first part's by its own id.
    apply_receipt(dlr("0B0000000000000B", "delivered", client_ref=message.client_ref), NOW + minutes(2))
    assert fresh(SmsMessage, message.id).status == SmsStatus.SENT
    apply_receipt(dlr("0B0000000000000A", "delivered", client_ref=message.client_ref), NOW + minutes(3))
    message = fresh(SmsMessage, message.id)
    assert message.status == SmsStatus.DELIVERED and len(message.parts) == 2
    # A repeat of the attaching receipt attaches nothing.
    assert apply_receipt(dlr("0B0000000000000B", "delivered", client_ref=message.client_ref),
                         NOW + minutes(4)) == "duplicate"
    assert len(fresh(SmsMessage, message.id).parts) == 2


def test_client_ref_resolves_a_message_the_sweep_marked_unknown(case):
    message = queued_message(case)
    message.status, message.reason = SmsStatus.UNKNOWN, "no_provider_answer"
    db.session.commit()
    assert apply_receipt(dlr("0C00000000000001", client_ref=message.client_ref), NOW) == "updated"
    message = fresh(SmsMessage, message.id)
    assert (message.status, message.reason) == (SmsStatus.DELIVERED, None)


def test_an_unknown_id_changes_nothing(case):
    message = sent_message(case)
    assert apply_receipt(dlr("FFFF000000000000"), NOW) == "unknown_id"
    assert apply_receipt(dlr("FFFF000000000000", client_ref="no-such-ref"), NOW) == "unknown_id"
    assert fresh(SmsMessage, message.id).status == SmsStatus.SENT
    assert audits("sms.receipt") == 0
    assert db.session.query(SmsPart).count() == 1


@pytest.mark.parametrize("params", [
    {},
    {"status": "delivered"},
    {"messageId": "0A1", "status": "read"},
    {"messageId": "0A1"},
    {"messageId": ["0A1"], "status": "delivered"},
    {"messageId": {"id": 1}, "status": "delivered"},
    {"messageId": "0A1", "status": True},
    {"messageId": "0A1", "status": "failed", "err-code": "three"},
    {"messageId": "0" * 65, "status": "delivered"},
])
def test_a_malformed_receipt_is_refused(app, params):
    with pytest.raises(ReceiptError):
        apply_receipt(params, NOW)
