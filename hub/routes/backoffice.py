"""Back-office check ASIs on RabbitMQ: credit, availability, price, card authorisation."""

from faststream.rabbit import Channel, RabbitMessage, RabbitRouter

from hub.canonical.backoffice import (
    AvailabilityRequest,
    CreditCheckRequest,
    PaymentRequest,
    PriceRequest,
)
from hub.canonical.replies import Reply
from hub.interfaces.backoffice.checks import (
    authorize_payment,
    calculate_price,
    check_availability_of,
    check_credit,
)
from hub.routes.asi import AsiRoutes
from hub.routes.envelope import request_of


def backoffice_router(asi: AsiRoutes, in_flight: int) -> RabbitRouter:
    """Each call waits on the back office, so these queues get a prefetch of their own."""
    router = asi.router()
    waiting = Channel(prefetch_count=in_flight)
    back_office = asi.back_office
    assert back_office is not None, "the hub wires a back office before building routes"

    @asi.subscriber(router, "credit.check", "Ask the back office for a credit decision",
                    channel=waiting)
    async def credit(asked: CreditCheckRequest, msg: RabbitMessage) -> Reply:
        request = request_of(msg.raw_message, "credit.check")
        return await check_credit(asked, request, asi.uow(request), back_office,
                                  asi.check_validity)

    @asi.subscriber(router, "availability.check", "Stock and delivery date per order line",
                    channel=waiting)
    async def availability(asked: AvailabilityRequest, msg: RabbitMessage) -> Reply:
        request = request_of(msg.raw_message, "availability.check")
        return await check_availability_of(asked, request, asi.uow(request), back_office)

    @asi.subscriber(router, "price.calculate", "Tax per line, shipping and the order total",
                    channel=waiting)
    async def price(asked: PriceRequest, msg: RabbitMessage) -> Reply:
        request = request_of(msg.raw_message, "price.calculate")
        return await calculate_price(asked, request, asi.uow(request), back_office)

    @asi.subscriber(router, "payment.authorize", "Authorise a tokenised card; never a number",
                    channel=waiting)
    async def payment(asked: PaymentRequest, msg: RabbitMessage) -> Reply:
        request = request_of(msg.raw_message, "payment.authorize")
        return await authorize_payment(asked, request, asi.uow(request), back_office,
                                       asi.check_validity)

    return router
