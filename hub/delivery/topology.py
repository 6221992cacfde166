"""The exchanges and queues of wire contract v1, declared idempotently at start-up."""

from dataclasses import dataclass

from aiormq.exceptions import ChannelPreconditionFailed
from faststream.rabbit import ExchangeType, QueueType, RabbitBroker, RabbitExchange, RabbitQueue

ASI = RabbitExchange("hub.asi", type=ExchangeType.TOPIC, durable=True)
EVENTS = RabbitExchange("hub.events", type=ExchangeType.TOPIC, durable=True)
OUT = RabbitExchange("hub.out", type=ExchangeType.TOPIC, durable=True)
DLX = RabbitExchange("hub.dlx", type=ExchangeType.TOPIC, durable=True)
EXCHANGES = (ASI, EVENTS, OUT, DLX)
# queues the hub's own connectors consume from hub.out: declared even when the connector is
# off, so nothing sent to them is lost while it is
CONNECTOR_QUEUES = (("hub.notifications.email", "notification.email"),)


@dataclass(frozen=True)
class QueuePolicy:
    """How ASI queues are declared; quorum wherever the broker has them (3.8 and later)."""

    quorum: bool = True
    # fixed, not a setting: a queue's arguments cannot change once it is declared
    delivery_limit: int = 20

    def asi_queue(self, operation: str) -> RabbitQueue:
        """``asi.<operation>``, bound to ``hub.asi`` by the operation, dead-lettering to its DLQ."""
        arguments = {
            "x-dead-letter-exchange": DLX.name,
            "x-dead-letter-routing-key": f"asi.{operation}",
        }
        if self.quorum:
            # the broker's own backstop for poison messages, and dead-lettering that cannot lose
            arguments |= {
                "x-delivery-limit": self.delivery_limit,
                "x-dead-letter-strategy": "at-least-once",
                "x-overflow": "reject-publish",
            }
        return self._queue(f"asi.{operation}", arguments, routing_key=operation)

    def connector_queue(self, name: str, routing_key: str) -> RabbitQueue:
        """A connector's own durable queue on ``hub.out``, dead-lettering to ``<name>.dlq``."""
        arguments = {"x-dead-letter-exchange": DLX.name, "x-dead-letter-routing-key": name}
        if self.quorum:
            arguments |= {"x-delivery-limit": self.delivery_limit,
                          "x-dead-letter-strategy": "at-least-once",
                          "x-overflow": "reject-publish"}
        return self._queue(name, arguments, routing_key=routing_key)

    def dead_letter_queue(self, operation: str) -> RabbitQueue:
        return self.dead_letter_queue_of(f"asi.{operation}")

    def dead_letter_queue_of(self, name: str) -> RabbitQueue:
        return self._queue(f"{name}.dlq", {}, routing_key=name)

    def _queue(self, name: str, arguments: dict, routing_key: str) -> RabbitQueue:
        if self.quorum:
            return RabbitQueue(name, queue_type=QueueType.QUORUM, durable=True,
                               arguments=arguments, routing_key=routing_key)
        return RabbitQueue(name, durable=True, arguments=arguments, routing_key=routing_key)


def broker_has_quorum_queues(server_version: str) -> bool:
    major, minor = (int(part) for part in server_version.split(".")[:2])
    return (major, minor) >= (3, 8)


class TopologyMismatch(RuntimeError):
    """The broker already has a queue or exchange of that name, declared differently."""


async def declare_topology(broker: RabbitBroker, policy: QueuePolicy, operations: list[str]) -> None:
    """Declare every exchange, ASI queue and dead-letter queue; safe to repeat."""
    try:
        await _declare(broker, policy, operations)
    except ChannelPreconditionFailed as exc:
        raise TopologyMismatch(
            f"{exc}. The broker holds an older declaration: drain and delete that queue "
            "(`rabbitmqctl delete_queue NAME`) or exchange, then start the hub again."
        ) from None


async def _declare(broker: RabbitBroker, policy: QueuePolicy, operations: list[str]) -> None:
    for exchange in EXCHANGES:
        await broker.declare_exchange(exchange)
    dlx = await broker.declare_exchange(DLX)
    asi = await broker.declare_exchange(ASI)
    out = await broker.declare_exchange(OUT)
    for name, key in CONNECTOR_QUEUES:
        dlq = await broker.declare_queue(policy.dead_letter_queue_of(name))
        await dlq.bind(dlx, routing_key=name)
        queue = await broker.declare_queue(policy.connector_queue(name, key))
        await queue.bind(out, routing_key=key)
    for operation in operations:
        dlq = await broker.declare_queue(policy.dead_letter_queue(operation))
        await dlq.bind(dlx, routing_key=f"asi.{operation}")
        queue = await broker.declare_queue(policy.asi_queue(operation))
        await queue.bind(asi, routing_key=operation)
