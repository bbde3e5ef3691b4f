"""The gateway's settings, read once from the nameko config.

Every key has a default that suits one developer machine; gateway/config.yaml
lists them all with the environment variable that overrides each.
"""
from dataclasses import dataclass, field
from pathlib import Path

# the gateway package: its config.yaml and node_modules/
PACKAGE_DIR = Path(__file__).resolve().parent.parent

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
DEFAULT_AMQP_URI = "amqp://guest:guest@127.0.0.1:5672/"


def _bool(value):
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def _num(value, default, cast=float):
    # 0 is a real setting (no leeway, no HSTS): only a missing value defaults
    return cast(default if value is None or value == "" else value)


def _text(value, default=""):
    # nameko turns an unset ${VAR:} into None, and YAML may have made a number
    return default if value is None else str(value)


@dataclass(frozen=True)
class Settings:
    amqp_uri: str = DEFAULT_AMQP_URI
    redis_url: str = DEFAULT_REDIS_URL
    redis_prefix: str = "townhall:gateway"
    max_body_bytes: int = 64 * 1024
    rpc_timeout: float = 5.0
    health_timeout: float = 1.5
    health_services: tuple = ("bins", "housing", "bookings", "notify")
    auth_issuer: str = "townhall-dev"
    auth_audience: str = "townhall-gateway"
    auth_jwks: str = ""
    auth_dev_signing_key: str = ""
    auth_leeway: float = 30.0
    api_keys: tuple = ()
    secret_key: str = ""
    rate_limit_anonymous: str = "60/minute"
    rate_limit_staff: str = "600/minute"
    trusted_proxy_hops: int = 0
    idempotency_ttl: int = 24 * 3600
    idempotency_lock_ttl: int = 60
    hsts_seconds: int = 0
    cookie_secure: bool = False
    assets_dirs: tuple = field(default_factory=tuple)
    council_name: str = "Your council"
    dev_inbox_dir: str = ""
    # The bearer token GOV.UK Notify sends with delivery receipts (set in
    # Notify's callback settings); empty, receipts are refused.
    notify_callback_token: str = field(default="", repr=False)

    @classmethod
    def from_config(cls, config):
        c = config or {}
        get = c.get
        assets = get("ASSETS_DIR")
        default_assets = (
            PACKAGE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk",
            PACKAGE_DIR / "static" / "govuk",
        )
        return cls(
            amqp_uri=_text(get("AMQP_URI"), DEFAULT_AMQP_URI),
            redis_url=_text(get("REDIS_URL"), DEFAULT_REDIS_URL),
            redis_prefix=_text(get("REDIS_PREFIX"), "townhall:gateway"),
            max_body_bytes=_num(get("MAX_BODY_BYTES"), 64 * 1024, int),
            rpc_timeout=_num(get("RPC_TIMEOUT_SECONDS"), 5.0, float),
            health_timeout=_num(get("HEALTH_TIMEOUT_SECONDS"), 1.5, float),
            health_services=tuple(
                get("HEALTH_SERVICES") or ("bins", "housing", "bookings", "notify")),
            auth_issuer=_text(get("AUTH_ISSUER"), "townhall-dev"),
            auth_audience=_text(get("AUTH_AUDIENCE"), "townhall-gateway"),
            auth_jwks=_text(get("AUTH_JWKS")).strip(),
            auth_dev_signing_key=_text(get("AUTH_DEV_SIGNING_KEY")),
            auth_leeway=_num(get("AUTH_LEEWAY_SECONDS"), 30, float),
            api_keys=tuple(get("AUTH_API_KEYS") or ()),
            secret_key=_text(get("SECRET_KEY")),
            rate_limit_anonymous=_text(
                get("RATE_LIMIT_ANONYMOUS_WRITES"), "60/minute"),
            rate_limit_staff=_text(get("RATE_LIMIT_STAFF_WRITES"), "600/minute"),
            trusted_proxy_hops=_num(get("TRUSTED_PROXY_HOPS"), 0, int),
            idempotency_ttl=_num(get("IDEMPOTENCY_TTL_SECONDS"), 24 * 3600, int),
            idempotency_lock_ttl=_num(get("IDEMPOTENCY_LOCK_SECONDS"), 60, int),
            hsts_seconds=_num(get("HSTS_SECONDS"), 0, int),
            cookie_secure=_bool(get("COOKIE_SECURE", False)),
            assets_dirs=(Path(assets),) if assets else default_assets,
            council_name=_text(get("COUNCIL_NAME"), "Your council"),
            dev_inbox_dir=_text(get("DEV_INBOX_DIR")).strip(),
            notify_callback_token=_text(get("NOTIFY_CALLBACK_TOKEN")).strip(),
        )
