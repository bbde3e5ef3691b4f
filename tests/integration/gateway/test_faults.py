"""Faults inside the gateway itself never show a trace."""
import requests

from gateway.api.schemas import operations as schemas
from gateway.web.http import api
from gateway.service import GatewayService

from .conftest import gateway_config


class FaultyGateway(GatewayService):
    @api("GET", "/test/boom")
    def boom(self, request):
        """Fails like a bug would"""
        return {}["secret-internal-key"]

    @api("GET", "/test/bad-answer", response=schemas.EchoResponseSchema)
    def bad_answer(self, request):
        """Returns something its own schema does not allow"""
        return {"message": "hi"}


def test_unexpected_errors_and_bad_answers_are_bare_500s(main_scenario, gw_containers):
    config = gateway_config(main_scenario.amqp_uri, main_scenario.exchange)
    gw_containers.start(FaultyGateway, config)
    for path in ("/test/boom", "/test/bad-answer"):
        response = requests.get("http://" + config["WEB_SERVER_ADDRESS"] + path, timeout=5)
        assert response.status_code == 500
        error = response.json()["error"]
        assert error["code"] == "internal_error"
        assert error["correlation_id"] == response.headers["X-Request-Id"]
        assert "secret-internal-key" not in response.text
        assert "Traceback" not in response.text and "KeyError" not in response.text
