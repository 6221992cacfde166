"""Wiring: build the hub from settings, start it, stop it without losing a message."""

import asyncio
import functools
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from aio_pika.abc import AbstractIncomingMessage
from faststream.rabbit import Channel, RabbitBroker
from faststream.rabbit.opentelemetry import RabbitTelemetryMiddleware
from opentelemetry.sdk.trace import TracerProvider

from connectors.amqp_partner import open_amqp_crm
from connectors.amqp_publisher import AmqpPublisher
from connectors.back_office import BackOfficeLink
from connectors.partner_directory import LiveCrmDirectory
from connectors.rabbitmq_admin import RabbitmqBrokerAdmin
from connectors.smtp_mailer import SmtpMailer
from connectors.soap_partner import open_soap_crm
from hub.backoffice import card_numbers
from hub.dead_letters import dead_letter_counts
from hub.delivery.partner_events import PartnerFanOut, declare_forwarding, partner_events_router
from hub.delivery.relay import OutboxRelay, record_sent
from hub.delivery.relay_process import RelayProcess, child_environment
from hub.delivery.topology import QueuePolicy, broker_has_quorum_queues, declare_topology
from hub.interfaces.backoffice.checks import CheckValidity
from hub.interfaces.orders.submission import OrderPolicy
from hub.interfaces.partners.calls import PartnerCalls
from hub.interfaces.partners.provisioning import provision_partner as provision
from hub.mappers.customer_mail import MailTemplates
from hub.operations.console import Operations, operations_app
from hub.operations.health import Readiness
from hub.operations.metrics import HubMetrics
from hub.operations.request_observer import RequestObserver
from hub.operations.server import HttpServer
from hub.operations.tracing import TraceContext, tracer_provider
from hub.partner_vhosts import PartnerVhosts
from hub.routes.after_order import after_order_router
from hub.routes.asi import AsiRoutes
from hub.routes.assets import asset_router
from hub.routes.backoffice import backoffice_router
from hub.routes.catalog import catalog_router
from hub.routes.fulfilment import fulfilment_router
from hub.routes.notifications import mail_router
from hub.routes.opportunities import opportunity_router
from hub.routes.orders import order_router
from hub.routes.partners import partner_router
from hub.routes.policy import ErrorPolicy, Screen
from hub.sealed_secrets import SealedSecrets
from hub.settings import Settings
from hub.soap.endpoint import PartnerService
from hub.soap.server import SoapServer
from hub.store import migrations
from hub.store.database import Database, open_database
from hub.store.group_commit import GroupCommit
from hub.store.unit_of_work import UnitOfWork

log = logging.getLogger("hub")
ROUTERS = (order_router, fulfilment_router, asset_router, partner_router, opportunity_router,
           catalog_router, after_order_router)
# card numbers are refused before anything reads the request; the dead letter keeps them masked
SCREENS = {"payment.authorize": Screen(card_numbers.card_number_problems, card_numbers.masked)}


@dataclass
class Hub:
    """One hub worker: a consuming connection, a publishing connection, a store and a relay."""

    settings: Settings
    database: Database
    publisher: AmqpPublisher
    relay: OutboxRelay | RelayProcess
    back_office: BackOfficeLink
    mail_templates: MailTemplates
    group_commit: GroupCommit | None = None
    consumer: RabbitBroker = field(init=False)
    routes: AsiRoutes = field(init=False)
    partner_calls: PartnerCalls = field(init=False)
    partner_vhosts: PartnerVhosts | None = field(init=False, default=None)
    metrics: HubMetrics = field(default_factory=HubMetrics)
    tracing: TracerProvider = field(init=False)
    http: HttpServer = field(init=False)
    soap: SoapServer | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.partner_calls = partner_calls(self.settings, self.metrics)
        self.back_office.on_dropped = self.metrics.backoffice_dropped.inc
        # built here so that a missing or bad HUB_SECRET_KEY stops the hub before it starts
        self.tracing = tracer_provider(self.settings.otlp_endpoint)
        self.soap = soap_server(self.settings, self.database, self.relay, self.tracing)
        self.http = HttpServer(operations_app(self.operations()), self.settings.http_addr)

    def operations(self) -> Operations:
        """What the HTTP side reads: health of both connections, the store, the metrics."""

        async def brokers_answer() -> bool:
            return all([await self.publisher.broker.ping(1.0),
                        await getattr(self, "consumer", self.publisher.broker).ping(1.0)])

        async def depths() -> dict[str, int]:
            if not await self.publisher.broker.ping(1.0):
                raise ConnectionError("the broker does not answer")
            connection = await self.publisher.broker.connect()
            return await dead_letter_counts(connection, self.routes.operations)

        return Operations(
            database=self.database, metrics=self.metrics,
            readiness=Readiness(broker=brokers_answer, database=self.database),
            amqp_url=self.settings.amqp_url, operations=lambda: self.routes.operations,
            dead_letter_counts=depths, console_token=self.settings.console_token)

    def middlewares(self) -> list[object]:
        """Around every consumed message: the trace (outermost), FastStream's and our metrics.

        Spans are recorded only when they are exported; otherwise the trace context alone is
        carried through.
        """
        traced = (RabbitTelemetryMiddleware(tracer_provider=self.tracing)
                  if self.settings.otlp_endpoint else TraceContext())
        return [traced, self.metrics.faststream_middleware(), RequestObserver(self.metrics)]

    def new_uow(self, correlation_id: str | None = None) -> UnitOfWork:
        if self.group_commit is not None:
            return self.group_commit.unit_of_work(correlation_id)
        return UnitOfWork(self.database, self.relay.after_commit, correlation_id,
                          mail_templates=self.mail_templates)

    def build_routes(self, queues: QueuePolicy) -> RabbitBroker:
        """The consuming broker with every ASI router; no connection is opened here."""
        policy = ErrorPolicy(new_uow=self.new_uow, dead_letter=self.publisher.dead_letter,
                             max_bytes=self.settings.max_message_bytes,
                             max_attempts=self.settings.max_attempts, screens=SCREENS)
        self.routes = AsiRoutes(queues=queues, error_policy=policy, new_uow=self.new_uow,
                                order_policy=OrderPolicy(self.settings.approval_threshold,
                                                         self.settings.credit_check_above),
                                partner_calls=self.partner_calls,
                                fulfilment_systems=self.settings.fulfilment_systems,
                                back_office=self.back_office,
                                check_validity=check_validity(self.settings))
        self.consumer = RabbitBroker(
            self.settings.amqp_url, graceful_timeout=self.settings.graceful_timeout,
            default_channel=Channel(prefetch_count=self.settings.prefetch),
            log_level=logging.DEBUG, routers=[make(self.routes) for make in ROUTERS],
            middlewares=self.middlewares(),
        )
        self.consumer.include_router(backoffice_router(self.routes,
                                                       self.settings.backoffice_in_flight))
        if self.settings.smtp_url:
            mailer = SmtpMailer(self.settings.smtp_url, self.settings.mail_from)
            self.consumer.include_router(mail_router(queues, mailer, self.new_uow))
        self.consumer.include_router(partner_events_router(queues, self._forward_to_partners))
        return self.consumer

    async def _forward_to_partners(self, raw: AbstractIncomingMessage) -> None:
        if self.partner_vhosts is None:
            raise RuntimeError("partner vhosts are not consumed yet; the event is requeued")
        await self.partner_vhosts.forward(raw)

    async def start(self) -> None:
        """Serve HTTP, migrate, connect, declare the topology, start relaying, then consume."""
        await self.http.start()
        log.info("operations console and metrics on %s", self.http.url)
        await migrations.upgrade(self.settings.database_url)
        connection = await self.publisher.connect()
        version = connection.transport.connection.server_properties["version"]
        quorum = broker_has_quorum_queues(str(version, "utf-8") if isinstance(version, bytes)
                                          else str(version))
        self.build_routes(QueuePolicy(quorum=quorum))
        await declare_topology(self.publisher.broker, self.routes.queues, self.routes.operations)
        await declare_forwarding(self.publisher.broker, self.routes.queues)
        await self.relay.start()
        await self.relay.sweep()
        if self.group_commit is not None:
            await self.group_commit.start()
        await self.back_office.connect(connection)
        self.partner_vhosts = PartnerVhosts(self.routes, self.database, self.relay.after_commit,
                                            self.settings, self.middlewares())
        await self.partner_vhosts.start()
        if self.soap is not None:
            await self.soap.start()
        await self.consumer.start()
        log.info("hub consuming %d ASI queues (%s queues)", len(self.routes.operations),
                 "quorum" if quorum else "classic")

    async def stop(self) -> None:
        """Stop taking work, let in-flight messages finish, publish what they recorded."""
        if self.soap is not None:
            await self.soap.stop()
        # the brand owner's consumer first: events it is forwarding still reach partner vhosts
        await self.consumer.stop()
        if self.partner_vhosts is not None:
            await self.partner_vhosts.stop()
        if self.group_commit is not None:
            await self.group_commit.stop(timeout=self.settings.graceful_timeout)
        await self.back_office.close()
        await self.partner_calls.directory.aclose()
        await self.relay.stop(timeout=self.settings.graceful_timeout)
        await self.publisher.broker.stop()
        await self.http.stop()
        await self.database.dispose()
        # the exporter's last flush blocks on HTTP: keep the event loop free meanwhile
        await asyncio.to_thread(self.tracing.shutdown)


def build_hub(settings: Settings) -> Hub:
    database = open_database(settings.database_url)
    publisher = AmqpPublisher(RabbitBroker(settings.amqp_url, log_level=logging.DEBUG),
                              confirm_timeout=settings.publish_confirm_timeout)
    relay: OutboxRelay | RelayProcess
    if settings.relay_process:
        relay = RelayProcess(functools.partial(record_sent, database), settings.outbox_backlog,
                             settings.graceful_timeout, env=child_environment(settings))
    else:
        relay = OutboxRelay(database, publisher.publish, settings.outbox_sweep_seconds,
                            settings.outbox_stale_seconds, backlog=settings.outbox_backlog,
                            copies=PartnerFanOut(database).copies,
                            retention=settings.outbox_retention)
    mail_templates = MailTemplates(settings.mail_templates)
    group = None
    if settings.batch_max > 1:
        group = GroupCommit(database, relay.after_commit, settings.batch_max,
                            settings.batch_wait_ms / 1000, room=relay.room,
                            mail_templates=mail_templates)
    return Hub(settings=settings, database=database, publisher=publisher, relay=relay,
               back_office=BackOfficeLink(settings.backoffice_timeout),
               mail_templates=mail_templates, group_commit=group)


def check_validity(settings: Settings) -> CheckValidity:
    return CheckValidity(credit_check=timedelta(hours=settings.credit_check_valid_hours),
                         authorization=timedelta(hours=settings.authorization_valid_hours))


def partner_calls(settings: Settings, metrics: HubMetrics | None = None) -> PartnerCalls:
    """How this worker reaches partner CRMs; nothing connects until the first call."""
    timeout = settings.partner_call_timeout
    directory = LiveCrmDirectory({
        "amqp": functools.partial(open_amqp_crm, amqp_url=settings.amqp_url, timeout=timeout),
        "soap": functools.partial(open_soap_crm, secrets=settings.partner_secrets,
                                  timeout=timeout),
    })
    return PartnerCalls(directory, attempts=settings.partner_call_attempts,
                        first_backoff=settings.partner_backoff_seconds,
                        max_backoff=settings.partner_backoff_max_seconds,
                        observe=None if metrics is None else metrics.partner_call)


def soap_server(settings: Settings, database: Database, relay: OutboxRelay | RelayProcess,
                tracing: TracerProvider | None = None) -> SoapServer | None:
    """The SOAP partner endpoint on ``HUB_SOAP_ADDR``, or None when it is not set."""
    if not settings.soap_addr:
        return None
    service = PartnerService(database=database, after_commit=relay.after_commit,
                             secrets=SealedSecrets(settings.secret_key),
                             freshness=timedelta(seconds=settings.soap_freshness_seconds),
                             max_bytes=settings.soap_max_bytes,
                             public_url=settings.soap_public_url, tracing=tracing)
    return SoapServer(service, settings.soap_addr, settings.graceful_timeout)


async def provision_partner(settings: Settings, partner_id: str, password: str | None
                            ) -> str:
    """``hub partner provision``: the partner's vhost, user and queues on RabbitMQ, recorded."""
    database = open_database(settings.database_url)
    try:
        return await provision(UnitOfWork(database, lambda _: None),
                               RabbitmqBrokerAdmin(settings), partner_id, password)
    finally:
        await database.dispose()
