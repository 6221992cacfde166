"""ASIs a partner calls on its own vhost (``partner.<id>``): its leads, in its own vocabulary,
and ordering for its customers and itself, as the employee in ``x-acting-user``.

The error policy of that vhost names the partner in each request (``channel_partner``), so a
handler here only picks its use case.
"""

from faststream.rabbit import RabbitRouter

from hub.canonical.assets import AssetQuery, DeltaRequest
from hub.canonical.catalog import CatalogQuery
from hub.canonical.operations import PARTNER_OPERATIONS
from hub.canonical.orders import Order, OrderRef
from hub.canonical.partners import PartnerLead, PartnerOpportunityRef
from hub.canonical.replies import Reply
from hub.interfaces.opportunities.partner_leads import (
    answer_partner_query,
    receive_partner_lead,
    receive_partner_update,
)
from hub.interfaces.partners.commerce import (
    partner_catalog,
    partner_delta,
    partner_get_order,
    partner_query_assets,
    partner_submit,
)
from hub.interfaces.request import Request
from hub.routes.asi import AsiRoutes
from hub.routes.envelope import CURRENT_REQUEST


def partner_channel_router(asi: AsiRoutes, partner_id: str) -> RabbitRouter:
    router = asi.router()

    def subscriber(operation: str, **options: object):  # type: ignore[no-untyped-def]
        return asi.subscriber(router, operation, table=PARTNER_OPERATIONS, **options)

    @subscriber("opportunity.transfer")
    async def transfer(message: PartnerLead, request: Request = CURRENT_REQUEST) -> Reply:
        return await receive_partner_lead(message, request, asi.uow(request), partner_id)

    @subscriber("opportunity.update")
    async def update(message: PartnerLead, request: Request = CURRENT_REQUEST) -> Reply:
        return await receive_partner_update(message, request, asi.uow(request), partner_id)

    @subscriber("opportunity.query")
    async def query(ref: PartnerOpportunityRef, request: Request = CURRENT_REQUEST) -> Reply:
        return await answer_partner_query(ref, request, asi.uow(request), partner_id)

    @subscriber("catalog.query")
    async def catalog(catalog_query: CatalogQuery, request: Request = CURRENT_REQUEST) -> Reply:
        return await partner_catalog(catalog_query, request, asi.uow(request))

    @subscriber("order.submit")
    async def submit(order: Order, request: Request = CURRENT_REQUEST) -> Reply:
        return await partner_submit(order, request, asi.uow(request), asi.order_policy)

    @subscriber("order.get")
    async def get(ref: OrderRef, request: Request = CURRENT_REQUEST) -> Reply:
        return await partner_get_order(ref, request, asi.uow(request))

    @subscriber("asset.query")
    async def assets(asset_query: AssetQuery, request: Request = CURRENT_REQUEST) -> Reply:
        return await partner_query_assets(asset_query, request, asi.uow(request))

    @subscriber("asset.delta")
    async def delta(delta_request: DeltaRequest, request: Request = CURRENT_REQUEST) -> Reply:
        return await partner_delta(delta_request, request, asi.uow(request))

    return router
