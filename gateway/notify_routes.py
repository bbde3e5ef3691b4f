"""Messages to residents over HTTP: GOV.UK Notify's delivery receipts, a
resident's timeline (JSON API and GOV.UK pages), and the operators' view of
messages that ran out of attempts.

A mixin of GatewayService (gateway/service.py), which supplies `rpc`,
`pages` and `settings`.

A timeline is reached with a code sent to an address the resident gave: the
resident enters their email address or mobile number, and whatever the
address, the answer is the same, so the page does not tell anyone who
uses the council's services.
"""
import hmac
import logging
import uuid

from gateway import notify
from gateway.web import errors, schemas
from gateway.auth.roles import SUPERVISOR
from gateway.web.http import api, page, resident_secret

log = logging.getLogger(__name__)

BASE = "/timeline"
# links asked for from one place: enough for a person's typos (reading a
# timeline is not limited: its code cannot be guessed, 60 bits looked up by
# its hash)
LOOKUP_LIMIT = "10/minute"


class NotifyRoutes:

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

    # --- a resident's timeline: pages ---

    @page("GET", BASE)
    def timeline_start(self, request):
        """See everything about your reports, requests and appointments"""
        return self.pages.render(request, "timeline_start.html", {})

    @page("POST", BASE, form=notify.TimelineLinkSchema, rate_limit=LOOKUP_LIMIT)
    def timeline_start_submit(self, request):
        """Send the resident a link to their timeline"""
        if request.form_errors:
            return self.pages.render(request, "timeline_start.html", {
                "errors": request.form_errors, "values": request.form}, status=400)
        try:
            answer = self.rpc.call("notify", "send_timeline_link",
                                   request.validated["address"].strip())
        except errors.ValidationFailed as refused:
            return self.pages.render(request, "timeline_start.html", {
                "errors": {"address": (refused.fields or {}).get("address")
                           or [refused.message]},
                "values": request.form}, status=400)
        return self.pages.render(request, "timeline_sent.html",
                                 {"message": notify.link_sent(answer)})

    @page("GET", f"{BASE}/<code>")
    def timeline_page(self, request, code):
        """Your timeline"""
        try:
            answer = self.rpc.call("notify", "timeline", code)
        except (errors.NotFound, errors.ValidationFailed):
            return self.pages.render(request, "timeline_start.html", {
                "expired": True}, status=404)
        return self.pages.render(request, "timeline.html", {
            "entries": list(reversed(answer["entries"])),
            "status_words": notify.MESSAGE_STATUS_WORDS, "when": notify.when_text})

    # --- operators ---

    @api("GET", "/api/v1/ops/notify/dead", roles={SUPERVISOR},
         query=schemas.PageQuerySchema, response=notify.DeadListSchema,
         tags=["operations"], errors=[503])
    def ops_dead_messages(self, request):
        """Messages that ran out of attempts

        Newest first, without addresses or words: replay one once its cause
        is fixed."""
        items = self.rpc.call("notify", "list_dead", request.query["limit"])
        return {"items": items, "count": len(items)}

    @api("POST", "/api/v1/ops/notify/dead/<message_id>/replay", roles={SUPERVISOR},
         response=notify.ReplayAnswerSchema, idempotent=False, tags=["operations"],
         errors=[404, 503])
    def ops_replay_message(self, request, message_id):
        """Send a dead message again, from its first attempt"""
        return self.rpc.call("notify", "replay", message_id)
