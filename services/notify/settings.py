"""The notify service's settings, read from its nameko config. The providers'
own settings are read by services.notify.providers.from_config."""
import dataclasses
from collections.abc import Mapping

from services.kit.config import secret_key as config_secret_key, secret_key_field
from services.notify.domain import channels, messages
from services.notify.domain.links import SHAPES, Links


@dataclasses.dataclass(frozen=True)
class NotifySettings:
    # Where links in messages point: the gateway as residents reach it, and
    # the page under it for each kind of link (the one place link shapes live).
    public_url: str = "http://127.0.0.1:8000"
    link_shapes: Mapping[str, str] = dataclasses.field(default_factory=lambda: SHAPES, hash=False)
    max_attempts: int = messages.DEFAULT_MAX_ATTEMPTS
    backoff_base_seconds: float = channels.BACKOFF_BASE_SECONDS
    # A sender has a message this long; past it another sender may take it
    # (and asks the provider first whether it went).
    send_lease_seconds: float = 60.0
    send_sweep_seconds: float = 1.0
    send_batch: int = 50
    # How long an owner has to say what a message should say.
    owner_timeout_seconds: float = 5.0
    timeline_code_days: int = 30
    # One timeline link per address in this many minutes, however often asked.
    timeline_link_minutes: int = 10
    # Timeline entries are kept this long, as the owners keep their records.
    timeline_days: int = 730
    # Addresses still kept on old messages (no receipt came, or dead and not
    # replayed) are forgotten after this many days.
    forget_after_days: int = 14
    # Keys the hashes residents are known by, and their timeline codes.
    secret_key: bytes = secret_key_field()

    @classmethod
    def from_config(cls, config):
        base = cls()

        def number(key, default, kind=float):
            value = config.get(key)
            return kind(value) if value not in (None, "") else default

        return cls(
            public_url=str(config.get("PUBLIC_URL") or base.public_url).rstrip("/"),
            max_attempts=number("SEND_MAX_ATTEMPTS", base.max_attempts, int),
            backoff_base_seconds=number("SEND_BACKOFF_SECONDS", base.backoff_base_seconds),
            send_lease_seconds=number("SEND_LEASE_SECONDS", base.send_lease_seconds),
            send_sweep_seconds=number("SEND_SWEEP_SECONDS", base.send_sweep_seconds),
            send_batch=number("SEND_BATCH", base.send_batch, int),
            owner_timeout_seconds=number("OWNER_TIMEOUT_SECONDS",
                                         base.owner_timeout_seconds),
            timeline_code_days=number("TIMELINE_CODE_DAYS", base.timeline_code_days, int),
            timeline_link_minutes=number("TIMELINE_LINK_MINUTES", base.timeline_link_minutes,
                                         int),
            timeline_days=number("TIMELINE_DAYS", base.timeline_days, int),
            forget_after_days=number("FORGET_AFTER_DAYS", base.forget_after_days, int),
            secret_key=config_secret_key(config.get("SECRET_KEY"), "notify", (
                "residents' timelines start again and their timeline links stop working")),
        )

    def links(self):
        """The addresses messages link to (services.notify.domain.links)."""
        return Links(self.public_url, self.link_shapes)
