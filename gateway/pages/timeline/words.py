"""The words the timeline pages use for when things happened and how a
message fared."""
from gateway.web.words import when_text  # noqa: F401 (the pages)

MESSAGE_STATUS_WORDS = {"pending": "Sending", "sending": "Sending", "sent": "Sent",
                        "delivered": "Delivered", "failed": "Could not be delivered",
                        "dead": "Could not be sent yet"}
