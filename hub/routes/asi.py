"""What every ASI router shares: its queue, the error policy, and the units of work it opens."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from faststream.middlewares import AckPolicy
from faststream.rabbit import RabbitRouter

from hub.canonical.operations import OPERATIONS, Operation
from hub.delivery.topology import ASI, QueuePolicy
from hub.interfaces.backoffice.checks import CheckValidity
from hub.interfaces.orders.submission import OrderPolicy
from hub.interfaces.partners.calls import PartnerCalls
from hub.interfaces.ports import BackOffice
from hub.interfaces.request import Request
from hub.routes.envelope import request_body
from hub.routes.policy import ErrorPolicy
from hub.settings import FULFILMENT_SYSTEMS
from hub.store.unit_of_work import UnitOfWork


@dataclass
class AsiRoutes:
    """Route-building context handed to each area's router factory."""

    queues: QueuePolicy
    error_policy: ErrorPolicy
    new_uow: Callable[[str | None], UnitOfWork]
    order_policy: OrderPolicy
    partner_calls: PartnerCalls | None = None
    back_office: BackOffice | None = None
    check_validity: CheckValidity = field(default_factory=CheckValidity)
    # the systems whose reports complete a line (HUB_FULFILMENT_SYSTEMS)
    fulfilment_systems: tuple[str, ...] = FULFILMENT_SYSTEMS
    operations: list[str] = field(default_factory=list)
    # the partner vhost these routes consume; None for the brand owner's vhost
    channel: str | None = None

    def router(self) -> RabbitRouter:
        return RabbitRouter(middlewares=[self.error_policy], decoder=strict_body)

    def uow(self, request: Request) -> UnitOfWork:
        return self.new_uow(request.correlation_id)

    def subscriber(self, router: RabbitRouter, operation: str, description: str | None = None,
                   *, table: Mapping[str, Operation] = OPERATIONS, **options: Any) -> Any:
        """Subscribe to ``asi.<operation>``; acks only after the reply, requeues on a crash.

        Without a description, it comes from the operation's row in ``table``
        (``hub/canonical/operations.py``).
        """
        if description is None:
            description = table[operation].description
        self.operations.append(operation)
        return router.subscriber(
            self.queues.asi_queue(operation), ASI,
            ack_policy=AckPolicy.NACK_ON_ERROR,
            title=f"asi.{operation}", description=description, **options,
        )


async def strict_body(message: Any) -> Any:
    """The request body as the hub's strict reader parses it.

    FastStream decodes with orjson when it is installed, and orjson turns an integer beyond
    64 bits into a float; the hub's reader keeps it whole, so its field refuses it by name.
    A coroutine: FastStream runs a plain function in a worker thread, a hop per message.
    """
    return request_body(message.body)
