"""What the notify RPCs raise. The gateway maps an error by the end of its
class name (NotFound 404) and shows the message word for word: plain
English, no personal data."""


class TimelineNotFound(Exception):
    """Also raised for an expired code, so codes cannot be probed."""


class MessageNotFound(Exception):
    pass
