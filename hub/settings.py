"""The hub's configuration: read once from the environment at start-up, then passed down."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

FULFILMENT_SYSTEMS = ("provisioning", "billing")


class Settings(BaseSettings):
    """Everything an operator can set, with defaults that run the hub beside a local broker."""

    model_config = SettingsConfigDict(env_prefix="", env_file=None, extra="ignore")

    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    database_url: str = f"sqlite+aiosqlite:///{Path('hub.db').resolve()}"
    prefetch: int = Field(default=128, ge=1, le=1000, alias="HUB_PREFETCH")
    max_message_bytes: int = Field(default=1_048_576, ge=1024, alias="HUB_MAX_MESSAGE_BYTES")
    # deliveries of one message that failed on an unexpected error before it is dead-lettered
    max_attempts: int = Field(default=5, ge=1, le=50, alias="HUB_MAX_ATTEMPTS")
    approval_threshold: Decimal = Field(default=Decimal(10000), alias="HUB_APPROVAL_THRESHOLD")
    graceful_timeout: float = Field(default=20.0, gt=0, alias="HUB_GRACEFUL_TIMEOUT")
    outbox_sweep_seconds: float = Field(default=2.0, gt=0, alias="HUB_OUTBOX_SWEEP_SECONDS")
    outbox_stale_seconds: float = Field(default=10.0, gt=0, alias="HUB_OUTBOX_STALE_SECONDS")
    # group commit: up to this many requests share one transaction (1 = one each) ...
    batch_max: int = Field(default=100, ge=1, le=1000, alias="HUB_BATCH_MAX")
    # ... waiting at most this long after the first for more to arrive
    batch_wait_ms: float = Field(default=2.0, ge=0, le=1000, alias="HUB_BATCH_WAIT_MS")
    # a publish unconfirmed this long means a stuck connection: it is replaced at once
    publish_confirm_timeout: float = Field(default=10.0, gt=0,
                                           alias="HUB_PUBLISH_CONFIRM_TIMEOUT")
    # published outbox rows are kept this many days (the console's timelines read them), then
    # removed; 0 keeps them all. Unpublished rows are never removed.
    outbox_retention_days: float = Field(default=30.0, ge=0, alias="HUB_OUTBOX_RETENTION_DAYS")
    # committed messages not yet published before new work waits: bounds the relay's lag
    outbox_backlog: int = Field(default=2000, ge=100, alias="HUB_OUTBOX_BACKLOG")
    # publish the outbox from a process of its own beside each worker (another core's work);
    # off, the worker publishes it itself
    relay_process: bool = Field(default=True, alias="HUB_RELAY_PROCESS")
    # the back-office systems that must each report a line completed before it is completed
    fulfilment_systems: Annotated[tuple[str, ...], NoDecode] = Field(
        default=FULFILMENT_SYSTEMS, alias="HUB_FULFILMENT_SYSTEMS")
    log_level: str = Field(default="INFO", alias="HUB_LOG_LEVEL")
    # acknowledgement e-mails: smtp://[user:password@]host:port, or smtps://; unset = queued only
    smtp_url: str | None = Field(default=None, alias="SMTP_URL")
    mail_from: str = Field(default="orders@telemedia.example", alias="HUB_MAIL_FROM")
    # the partner channel: calls to partner CRMs, and picking up newly provisioned partners
    partner_call_timeout: float = Field(default=10.0, gt=0, alias="HUB_PARTNER_CALL_TIMEOUT")
    partner_call_attempts: int = Field(default=4, ge=1, le=50, alias="HUB_PARTNER_CALL_ATTEMPTS")
    partner_backoff_seconds: float = Field(default=0.5, ge=0, alias="HUB_PARTNER_BACKOFF_SECONDS")
    partner_backoff_max_seconds: float = Field(default=8.0, ge=0,
                                               alias="HUB_PARTNER_BACKOFF_MAX_SECONDS")
    # unacked requests per partner vhost: one partner's flood never starves the others
    partner_prefetch: int = Field(default=16, ge=1, le=1000, alias="HUB_PARTNER_PREFETCH")
    partner_reconcile_seconds: float = Field(default=5.0, gt=0,
                                             alias="HUB_PARTNER_RECONCILE_SECONDS")
    # secrets partner connectors name by reference (JSON: {"comtel-soap": "..."}); never stored
    partner_secrets: dict[str, str] = Field(default_factory=dict, alias="HUB_PARTNER_SECRETS")
    # back-office checks (credit, availability, price, payment) asked over hub.out
    backoffice_timeout: float = Field(default=5.0, gt=0, le=300, alias="HUB_BACKOFFICE_TIMEOUT")
    # unacked requests per back-office operation and worker: calls waiting on an answer at once
    backoffice_in_flight: int = Field(default=256, ge=1, le=5000,
                                      alias="HUB_BACKOFFICE_IN_FLIGHT")
    # new orders worth more need an approved credit check; unset = no credit check needed
    credit_check_above: Decimal | None = Field(default=None, ge=0, alias="HUB_CREDIT_CHECK_ABOVE")
    credit_check_valid_hours: float = Field(default=24.0, gt=0,
                                            alias="HUB_CREDIT_CHECK_VALID_HOURS")
    authorization_valid_hours: float = Field(default=168.0, gt=0,
                                             alias="HUB_PAYMENT_AUTHORIZATION_VALID_HOURS")
    # a directory of Jinja2 templates replacing the built-in customer e-mails, file by file
    mail_templates: Path | None = Field(default=None, alias="HUB_MAIL_TEMPLATES")
    # operating the hub: health, metrics and the console over HTTP; port 0 picks a free one
    http_addr: str = Field(default="127.0.0.1:8080", alias="HUB_HTTP_ADDR")
    # the console's replay buttons need this token; unset, the console is read-only
    console_token: str | None = Field(default=None, alias="HUB_CONSOLE_TOKEN")
    log_format: str = Field(default="text", pattern="^(text|json)$", alias="HUB_LOG_FORMAT")
    # spans go to this OTLP/HTTP collector (e.g. http://127.0.0.1:4318) when set
    otlp_endpoint: str | None = Field(default=None, alias="OTEL_EXPORTER_OTLP_ENDPOINT")

    # the hub's own SOAP endpoint for partners (host:port; unset = not served)
    soap_addr: str | None = Field(default=None, pattern=r"^(\[[0-9a-fA-F:]+\]|[^\s:\[\]]+):\d+$",
                                  alias="HUB_SOAP_ADDR")
    # the address the WSDL names when the hub sits behind a proxy (default: as the caller asked)
    soap_public_url: str | None = Field(default=None, alias="HUB_SOAP_PUBLIC_URL")
    soap_max_bytes: int = Field(default=1_048_576, ge=4096, alias="HUB_SOAP_MAX_BYTES")
    # how far a UsernameToken's Created may be from now; its nonce is kept that long
    soap_freshness_seconds: float = Field(default=300.0, gt=0, alias="HUB_SOAP_FRESHNESS_SECONDS")
    # Fernet key(s), comma-separated, newest first: partners' SOAP passwords are sealed with it
    secret_key: str | None = Field(default=None, alias="HUB_SECRET_KEY")

    @property
    def outbox_retention(self) -> timedelta | None:
        """How long published outbox rows are kept; None keeps them all."""
        if not self.outbox_retention_days:
            return None
        return timedelta(days=self.outbox_retention_days)

    @field_validator("fulfilment_systems", mode="before")
    @classmethod
    def _systems_from_a_list(cls, value: Any) -> Any:
        # "provisioning,billing" in the environment; a list or tuple when built in code
        names = value.split(",") if isinstance(value, str) else list(value)
        names = [name.strip() for name in names if name.strip()]
        unknown = [name for name in names if name not in FULFILMENT_SYSTEMS]
        if not names or unknown:
            raise ValueError(f"HUB_FULFILMENT_SYSTEMS names one or more of "
                             f"{', '.join(FULFILMENT_SYSTEMS)}, got {value!r}")
        return tuple(dict.fromkeys(names))
