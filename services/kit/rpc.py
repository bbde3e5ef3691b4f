"""RPC plumbing shared by callers that give up waiting (nameko 2.14's
proxy waits for ever)."""


def forget_reply(reply_listener, reply):
    """Drops an abandoned call's reply event: nameko keeps one per call until
    its reply comes, so calls that timed out would otherwise pile up."""
    if reply is None:
        return
    events = reply_listener._reply_events
    for key, event in list(events.items()):
        if event is reply.reply_event:
            events.pop(key, None)
            break
