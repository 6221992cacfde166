"""Back-office check ASIs on RabbitMQ: credit, availability, price, card authorisation."""

from faststream.rabbit import Channel, RabbitRouter

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
from hub.interfaces.request import Request
from hub.routes.asi import AsiRoutes
from hub.routes.envelope import CURRENT_REQUEST


def backoffice_router(asi: AsiRoutes, in_flight: int) -> RabbitRouter:
    """Each call waits on the back office, so these queues get a prefetch of their own."""
    router = asi.router()
    waiting = Channel(prefetch_count=in_flight)
    back_office = asi.back_office
    assert back_office is not None, "the hub wires a back office before building routes"

    @asi.subscriber(router, "credit.check", channel=waiting)
    async def credit(asked: CreditCheckRequest, request: Request = CURRENT_REQUEST) -> Reply:
        return await check_credit(asked, request, asi.uow(request), back_office,
                                  asi.check_validity)

    @asi.subscriber(router, "availability.check", channel=waiting)
    async def availability(asked: AvailabilityRequest,
                           request: Request = CURRENT_REQUEST) -> Reply:
        return await check_availability_of(asked, request, asi.uow(request), back_office)

    @asi.subscriber(router, "price.calculate", channel=waiting)
    async def price(asked: PriceRequest, request: Request = CURRENT_REQUEST) -> Reply:
        return await calculate_price(asked, request, asi.uow(request), back_office)

    @asi.subscriber(router, "payment.authorize", channel=waiting)
    async def payment(asked: PaymentRequest, request: Request = CURRENT_REQUEST) -> Reply:
        return await authorize_payment(asked, request, asi.uow(request), back_office,
                                       asi.check_validity)

    return router
