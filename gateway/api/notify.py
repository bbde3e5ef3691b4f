"""Messages to residents: GOV.UK Notify's delivery receipts and a resident's
timeline, over the JSON API.

A mixin of GatewayService (gateway/service.py), which supplies `rpc` and
`settings`. The timeline's pages are in gateway/pages/timeline/, and the
supervisors' view of messages that ran out of attempts in
gateway/staff/dead_letters.py.

A timeline is reached with a code sent to an address the resident gave: the
resident enters their email address or mobile number, and whatever the
address, the answer is the same, so the page does not tell anyone who
uses the council's services.
"""
import hmac
import logging
import uuid

from gateway.api.schemas import notify
from gateway.web import errors
from gateway.web.http import api
from gateway.web.requests import resident_secret

log = logging.getLogger("gateway.notify_routes")  # the name logs knew it by

# links asked for from one place: enough for a person's typos (reading a
# timeline is not limited: its code cannot be guessed, 60 bits looked up by
# its hash)
LOOKUP_LIMIT = "10/minute"


class NotifyApi:

    # --- GOV.UK Notify's delivery receipts ---

    @api("POST", "/api/v1/notify/receipts", body=notify.ReceiptSchema,
         response=notify.ReceiptAnswerSchema, rate_limit=False, idempotent=False,
         tags=["notifications"], errors=[401, 503])
    def notify_receipt(self, request):
        """A delivery receipt from GOV.UK Notify

        Notify calls this when a message is delivered or fails, with the
        bearer token set in its callback settings (NOTIFY_CALLBACK_TOKEN).
        The receipt's `reference` is our message id. A receipt for a message
        we do not know is taken and ignored, so Notify does not retry it."""
        self._check_callback_token(request)
        body = request.validated
        try:
            message_id = str(uuid.UUID(body["reference"] or ""))
        except ValueError:
            return {"received": False}  # not one of ours: Notify need not retry it
        answer = self.rpc.call("notify", "record_receipt", message_id, body["status"])
        return {"received": bool(answer and answer.get("known"))}

    def _check_callback_token(self, request):
        expected = self.settings.notify_callback_token
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if not expected or scheme.lower() != "bearer" or not hmac.compare_digest(
                token.strip().encode(), expected.encode()):
            log.warning("delivery receipt refused: %s",
                        "no token is set" if not expected else "wrong or missing token")
            raise errors.Unauthorized("Send the callback bearer token")

    # --- a resident's timeline: JSON API ---

    @api("POST", "/api/v1/timeline/link", body=notify.TimelineLinkSchema,
         response=notify.TimelineLinkAnswerSchema, status=202, rate_limit=LOOKUP_LIMIT,
         tags=["timeline"], errors=[400, 503])
    def timeline_link(self, request):
        """Send me a link to my timeline

        Send the email address or UK mobile number you gave with a report,
        a housing request or a booking. If anything happened for it, a link
        goes to that address; the answer is the same either way."""
        answer = self.rpc.call("notify", "send_timeline_link",
                               request.validated["address"].strip())
        return {"message": notify.link_sent(answer)}

    @api("GET", "/api/v1/timeline", response=notify.TimelineSchema,
         tags=["timeline"], errors=[404, 503])
    def timeline_entries(self, request):
        """Everything that happened to me, oldest first

        Your reports, housing requests, bookings and each message we sent,
        built from what happened as it happened. Send the code from your
        timeline link in X-Resident-Secret."""
        code = resident_secret(request)
        if not code:
            raise errors.NotFound("Send the code from your timeline link in X-Resident-Secret")
        return self.rpc.call("notify", "timeline", code)
