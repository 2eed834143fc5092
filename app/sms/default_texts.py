"""The default SMS texts every department starts with (app.escalation.defaults makes the
templates and their rules), the defaults before issue 10, and how to tell an edited default."""

REMINDER_TEMPLATE_NAME = "payment-reminder"
# Generic (issue 10): no name, amount, tax type or link, as every published municipal tax SMS
# (the fact of owing tax is itself a secret, 地方税法第22条): the office, one action, the
# callback number and its hours, the reference, and a line for a wrong recipient.
REMINDER_BODY_JA = (
    "【{department}】ご連絡したいことがございます。{callback_phone}（受付{callback_hours}）まで"
    "お電話ください。（番号{case_ref}）お心当たりのない場合はご容赦ください。"
)
REMINDER_BODY_EN = (
    "【{department}】 Please call us on {callback_phone} ({callback_hours}) about a matter for you "
    "(ref {case_ref}). If this message is not for you, please ignore it."
)
# The promises issue: the day before a promised payment falls due (Mihara's most used message).
PROMISE_TEMPLATE_NAME = "promise-reminder"
PROMISE_BODY_JA = (
    "【{department}】お約束の件でご連絡いたしました。ご不明な点は{callback_phone}（受付{callback_hours}）"
    "までお電話ください。（番号{case_ref}）お心当たりのない場合はご容赦ください。"
)
PROMISE_BODY_EN = (
    "【{department}】 A reminder of what we agreed. Questions: {callback_phone} ({callback_hours}) "
    "(ref {case_ref}). If this message is not for you, please ignore it."
)
# The default texts before issue 10 (personal: name, amount, due date). Migration 0008 moved
# untouched copies to the texts above; an edited copy was left alone and the editor flags it.
OLD_REMINDER_BODY_JA = (
    "【{department}】{name}様 {due_date}納期限の税金等 {amount}円のお支払いが確認できておりません。"
    "お問い合わせは{callback_phone}へお電話ください。（番号{case_ref}）"
)
OLD_PROMISE_BODY_JA = (
    "【{department}】{name}様 お約束いただいたお支払いの予定日は{due_date}です。"
    "お支払い済みの場合はご容赦ください。お問い合わせは{callback_phone}へ（番号{case_ref}）"
)
DEFAULT_BODIES = {REMINDER_TEMPLATE_NAME: REMINDER_BODY_JA, PROMISE_TEMPLATE_NAME: PROMISE_BODY_JA}


def edited_default(template) -> bool:
    """A default template (by name) whose Japanese text is not the current default: a copy the
    migration to the generic text left alone because someone had edited it."""
    default = DEFAULT_BODIES.get(template.name)
    return default is not None and template.body_ja != default
