"""An owner's RPC proxy whose `notification_facts` replies are each checked
against the schema the owner publishes in its contract, so an owner's own
tests keep its replies to what notify accepts."""


class CheckedFacts:
    def __init__(self, proxy, schema):
        self._proxy = proxy
        self._schema = schema()

    def notification_facts(self, *args, **kwargs):
        facts = self._proxy.notification_facts(*args, **kwargs)
        errors = self._schema.validate(facts)
        assert errors == {}, f"notification_facts broke its contract: {errors}"
        return facts

    def __getattr__(self, name):
        return getattr(self._proxy, name)
