"""The exchanges and queues of wire contract v1, declared idempotently at start-up."""

from dataclasses import dataclass

from aiormq.exceptions import ChannelPreconditionFailed
from faststream.rabbit import ExchangeType, QueueType, RabbitBroker, RabbitExchange, RabbitQueue

ASI = RabbitExchange("hub.asi", type=ExchangeType.TOPIC, durable=True)
EVENTS = RabbitExchange("hub.events", type=ExchangeType.TOPIC, durable=True)
OUT = RabbitExchange("hub.out", type=ExchangeType.TOPIC, durable=True)
DLX = RabbitExchange("hub.dlx", type=ExchangeType.TOPIC, durable=True)
EXCHANGES = (ASI, EVENTS, OUT, DLX)


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

    def dead_letter_queue(self, operation: str) -> RabbitQueue:
        return self._queue(f"asi.{operation}.dlq", {}, routing_key=f"asi.{operation}")

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
    for operation in operations:
        dlq = await broker.declare_queue(policy.dead_letter_queue(operation))
        await dlq.bind(dlx, routing_key=f"asi.{operation}")
        queue = await broker.declare_queue(policy.asi_queue(operation))
        await queue.bind(asi, routing_key=operation)
