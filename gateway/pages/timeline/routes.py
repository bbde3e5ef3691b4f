"""A resident's timeline: ask for a link, and the timeline it opens.

A mixin of GatewayService (gateway/service.py), which supplies `rpc` and
`pages`. Whatever address is given, the answer is the same, so the page does
not tell anyone who uses the council's services.
"""
from gateway.api.notify import LOOKUP_LIMIT
from gateway.api.schemas import notify
from gateway.pages.timeline import words
from gateway.web import errors
from gateway.web.http import page

BASE = "/timeline"


class TimelinePages:

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
            "status_words": words.MESSAGE_STATUS_WORDS, "when": words.when_text})
