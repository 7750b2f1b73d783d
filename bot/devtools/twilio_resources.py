"""What Twilio's Messages API answers: Message resources, validation, error bodies.

Kept apart from the fake's HTTP plumbing so the shapes can be read (and checked against
Twilio's documentation) in one place.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from bot.messaging.segments import count_segments

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
# The Twilio error codes that go with transient HTTP statuses.
TRANSIENT_CODES = {429: 20429, 500: 20500, 503: 20503}
MAX_BODY = 1600

Reply = tuple[int, dict[str, Any]]


def message_resource(account_sid: str, form: dict[str, str]) -> dict[str, Any]:
    """A Message resource shaped like Twilio's, enough for the SDK's MessageInstance."""
    sid = "SM" + uuid.uuid4().hex
    now = format_datetime(datetime.now(UTC).replace(microsecond=0))
    uri = f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}"
    service = form.get("MessagingServiceSid")
    return {
        "account_sid": account_sid,
        "api_version": "2010-04-01",
        "body": form["Body"],
        "date_created": now,
        "date_sent": None,
        "date_updated": now,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": form.get("From"),
        "messaging_service_sid": service,
        "num_media": "0",
        "num_segments": str(count_segments(form["Body"]).segments),
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        # Twilio answers "accepted" while a messaging service still has to pick a sender.
        "status": "accepted" if service and not form.get("From") else "queued",
        "subresource_uris": {"media": f"{uri}/Media.json"},
        "to": form["To"],
        "uri": f"{uri}.json",
    }


def validate_message(form: dict[str, str]) -> Reply | None:
    """Twilio's checks on a new message, answered with Twilio's error codes."""
    to = form.get("To", "")
    if not E164.match(to):
        return error_reply(400, 21211, f"The 'To' number {to} is not a valid phone number.")
    if not form.get("From") and not form.get("MessagingServiceSid"):
        return error_reply(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required.")
    if not form.get("Body"):
        return error_reply(400, 21602, "Message body is required.")
    if len(form["Body"]) > MAX_BODY:
        return error_reply(400, 21617, "The concatenated message body exceeds the 1600 limit.")
    return None


def error_reply(status: int, code: int | None, message: str) -> Reply:
    """An error body in Twilio's legacy format, which the SDK turns into TwilioRestException."""
    return status, {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
