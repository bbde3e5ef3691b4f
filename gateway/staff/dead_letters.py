"""The supervisors' views of messages that failed: those parked on the
broker after every retry, and notify's messages that ran out of attempts
(with a replay for one once its cause is fixed).

Mixins of GatewayService (gateway/service.py), which supplies `rpc` and
`settings`; two, so that the API document lists each where it always has.
"""
import logging

import eventlet
from kombu.exceptions import OperationalError

from gateway.api.schemas import notify
from gateway.api.schemas.operations import ParkedListSchema
from gateway.auth.roles import SUPERVISOR
from gateway.web import errors
from gateway.web.http import api
from gateway.web.schemas import PageQuerySchema

log = logging.getLogger("gateway.service")  # the name logs knew it by

PARKED_LIST_TIMEOUT = 10


class ParkedMessagesApi:

    @api("GET", "/api/v1/ops/parked", roles={SUPERVISOR},
         query=PageQuerySchema, response=ParkedListSchema,
         tags=["operations"], errors=[503])
    def ops_parked(self, request):
        """Messages that failed every retry and were parked

        Read-only: replay or discard them with the townhall-dlq command."""
        try:
            # imported here: the gateway must start even without this module
            from services.kit.dlq import list_parked
        except ImportError:
            raise errors.ServiceUnavailable("Listing parked messages is not available")
        try:
            with eventlet.Timeout(PARKED_LIST_TIMEOUT):
                items = list_parked(self.settings.amqp_uri,
                                    limit=request.query["limit"])
        except (eventlet.Timeout, OSError, OperationalError) as exc:
            log.error("cannot list parked messages: %s", exc)
            raise errors.ServiceUnavailable(
                "The message broker did not answer. Try again in a moment")
        return {"items": items, "count": len(items)}


class DeadMessagesApi:

    @api("GET", "/api/v1/ops/notify/dead", roles={SUPERVISOR},
         query=PageQuerySchema, response=notify.DeadListSchema,
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
