"""Vonage delivery-receipt error codes (the DLR's `err-code`), as Vonage's support article
"SMS Delivery Error Codes" lists them: any non-zero code means the SMS did not arrive."""

ERR_CODES = {
    "0": "Delivered",
    "1": "Unknown",
    "2": "Absent subscriber (temporary)",
    "3": "Absent subscriber (permanent)",
    "4": "Call barred by user",
    "5": "Portability error",
    "6": "Anti-spam rejection",
    "7": "Handset busy",
    "8": "Network error",
    "9": "Illegal number",
    "10": "Illegal message",
    "11": "Unroutable",
    "12": "Destination unreachable",
    "13": "Subscriber age restriction",
    "14": "Number blocked by carrier",
    "15": "Prepaid insufficient funds",
    "16": "Gateway quota exceeded",
    "50": "Entity filter",
    "51": "Header filter",
    "52": "Content filter",
    "53": "Consent filter",
    "54": "Regulation error",
    "99": "General error",
}

# The number itself cannot receive SMS: no longer active (3), barred by its owner (4), refuses
# this service (9), no route to it (11, 12), blocked by the carrier (14). The phone is marked
# unusable; other failures (busy, network, filters) leave it for the next attempt.
DEAD_NUMBER_CODES = frozenset({"3", "4", "9", "11", "12", "14"})


def describe(err_code: str | None, status: str) -> str:
    """A short English text for a failed part: the code's meaning, or the DLR status."""
    if err_code and err_code != "0" and err_code in ERR_CODES:
        return ERR_CODES[err_code]
    if err_code and err_code != "0":
        return f"Error {err_code}"
    return status
