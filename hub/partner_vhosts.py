"""Consuming every provisioned partner's vhost: one broker connection per partner.

A partner provisioned while the hub runs is picked up by the next reconciliation (every
``HUB_PARTNER_RECONCILE_SECONDS``), by every hub worker. Suspended partners stay consumed so
that their requests are answered ``partner.not_approved`` rather than left waiting.
"""

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import orjson
from aio_pika.abc import AbstractIncomingMessage
from faststream.rabbit import Channel, RabbitBroker

from connectors.amqp_publisher import AmqpPublisher
from hub.canonical.partners import PartnerProfile
from hub.delivery.partner_events import event_name, partner_copy, recipients_in
from hub.delivery.partner_topology import (
    PARTNER_EVENTS_QUEUE,
    declare_partner_topology,
    vhost_url,
)
from hub.interfaces.partners.event_recipients import event_recipients
from hub.routes.asi import AsiRoutes
from hub.routes.partner_channel import partner_channel_router
from hub.settings import Settings
from hub.store.database import Database
from hub.store.unit_of_work import AfterCommit, UnitOfWork

log = logging.getLogger("hub.partners")


class PartnerVhosts:
    """The partner vhosts this worker consumes; :meth:`reconcile` adds newly provisioned ones."""

    def __init__(self, routes: AsiRoutes, database: Database, after_commit: AfterCommit,
                 settings: Settings, middlewares: Sequence[Any] = ()) -> None:
        self._routes = routes
        # the worker's telemetry and request metrics, as on the brand owner's vhost
        self._middlewares = tuple(middlewares)
        self._database = database
        self._after_commit = after_commit
        self._settings = settings
        self.brokers: dict[str, RabbitBroker] = {}
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.reconcile()
        self._task = asyncio.create_task(self._keep_reconciling(), name="partner-vhosts")

    async def stop(self) -> None:
        """Stop consuming every partner vhost, letting in-flight requests finish."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        async with self._lock:
            for broker in self.brokers.values():
                await broker.stop()
            self.brokers.clear()

    async def reconcile(self) -> None:
        """Start consuming the vhost of every provisioned partner not consumed yet."""
        async with self._lock:
            async with UnitOfWork(self._database, self._after_commit, read_only=True) as uow:
                partners = await uow.partners.profiles()
            for partner in partners:
                if partner.vhost and partner.partner_id not in self.brokers:
                    await self._consume(partner, partner.vhost)

    async def _consume(self, partner: PartnerProfile, vhost: str) -> None:
        settings = self._settings
        broker = RabbitBroker(vhost_url(settings.amqp_url, vhost),
                              graceful_timeout=settings.graceful_timeout,
                              # bounded per vhost: a flooding partner cannot starve the others
                              default_channel=Channel(prefetch_count=settings.partner_prefetch),
                              log_level=logging.DEBUG, middlewares=self._middlewares)
        publisher = AmqpPublisher(broker, confirm_timeout=settings.publish_confirm_timeout)
        routes = self._routes_in(vhost, partner.partner_id, publisher)
        broker.include_router(partner_channel_router(routes, partner.partner_id))
        try:
            await publisher.connect()
            await declare_partner_topology(broker, routes.queues)
            await broker.start()
        # a vhost just deleted, a broker away: try again next round
        except Exception as exc:  # noqa: BLE001
            log.warning("cannot consume %s yet: %r", vhost, exc)
            await broker.stop()
            return
        self.brokers[partner.partner_id] = broker
        log.info("consuming partner vhost %s", vhost)

    def _routes_in(self, vhost: str, partner_id: str, publisher: AmqpPublisher) -> AsiRoutes:
        """The hub's routes, with replies, inbox scope and dead letters kept inside ``vhost``."""
        policy = replace(self._routes.error_policy, channel=vhost, channel_partner=partner_id,
                         dead_letter=publisher.dead_letter)
        return replace(self._routes, error_policy=policy, channel=vhost, operations=[])

    async def forward(self, raw: AbstractIncomingMessage) -> None:
        """Copy one event into ``partner.events`` of every partner that should see it."""
        recipients = recipients_in(raw)
        if recipients is None:
            # routed to the queue before the relay named recipients (a hub just upgraded)
            event = orjson.loads(raw.body)
            recipients = await event_recipients(
                UnitOfWork(self._database, self._after_commit, read_only=True),
                event_name(raw), event.get("data") or {})
        async with self._lock:
            missing = [p for p in recipients if p not in self.brokers]
        if missing:
            await self.reconcile()
        if not recipients:
            return
        body = partner_copy(raw)
        for partner_id in recipients:
            if (broker := self.brokers.get(partner_id)) is None:
                log.warning("partner %s is not provisioned; it misses %s", partner_id,
                            raw.message_id)
                continue
            await broker.publish(body, queue=PARTNER_EVENTS_QUEUE, persist=True,
                                 message_id=raw.message_id, correlation_id=raw.correlation_id,
                                 content_type="application/json", message_type=event_name(raw))

    async def _keep_reconciling(self) -> None:
        while True:
            await asyncio.sleep(self._settings.partner_reconcile_seconds)
            try:
                await self.reconcile()
            except Exception:
                log.exception("partner vhost reconciliation failed; trying again later")
