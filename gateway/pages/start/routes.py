"""The home page, and the start page that asks what a person needs to do
and sends them to that journey.

A mixin of GatewayService (gateway/service.py), which supplies `pages`.
"""
from gateway.pages.start.forms import NEEDS, StartFormSchema
from gateway.web.http import page
from gateway.web.requests import redirect


class StartPages:

    @page("GET", "/")
    def home(self, request):
        """Start page"""
        return self.pages.render(request, "home.html", {"needs": NEEDS})

    @page("GET", "/start")
    def start(self, request):
        """What do you need to do?"""
        return self.pages.render(request, "start.html", {"needs": NEEDS})

    @page("POST", "/start", form=StartFormSchema)
    def start_submit(self, request):
        """Send the resident to the journey they chose"""
        if request.form_errors:
            return self.pages.render(request, "start.html", {
                "needs": NEEDS, "errors": request.form_errors}, status=400)
        return redirect(NEEDS[request.validated["need"]][1])
