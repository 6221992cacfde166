"""ASIs a partner calls on its own vhost (``partner.<id>``): its leads, in its own vocabulary,
and ordering for its customers and itself, as the employee in ``x-acting-user``."""

from dataclasses import replace

from aio_pika.abc import AbstractIncomingMessage
from faststream.rabbit import RabbitMessage, RabbitRouter

from hub.canonical.assets import AssetQuery, DeltaRequest
from hub.canonical.catalog import CatalogQuery
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
from hub.routes.envelope import request_of


def partner_channel_router(asi: AsiRoutes, partner_id: str) -> RabbitRouter:
    router = asi.router()

    def request(raw: AbstractIncomingMessage, operation: str) -> Request:
        return replace(request_of(raw, operation), channel_partner=partner_id)

    @asi.subscriber(router, "opportunity.transfer", "A partner transfers one of its own leads")
    async def transfer(message: PartnerLead, msg: RabbitMessage) -> Reply:
        r = request(msg.raw_message, "opportunity.transfer")
        return await receive_partner_lead(message, r, asi.uow(r), partner_id)

    @asi.subscriber(router, "opportunity.update", "A partner's news on a shared opportunity")
    async def update(message: PartnerLead, msg: RabbitMessage) -> Reply:
        r = request(msg.raw_message, "opportunity.update")
        return await receive_partner_update(message, r, asi.uow(r), partner_id)

    @asi.subscriber(router, "opportunity.query", "A partner asks how the brand owner holds one")
    async def query(ref: PartnerOpportunityRef, msg: RabbitMessage) -> Reply:
        r = request(msg.raw_message, "opportunity.query")
        return await answer_partner_query(ref, r, asi.uow(r), partner_id)

    @asi.subscriber(router, "catalog.query", "Active products with list and partner prices")
    async def catalog(catalog_query: CatalogQuery, msg: RabbitMessage) -> Reply:
        r = request(msg.raw_message, "catalog.query")
        return await partner_catalog(catalog_query, r, asi.uow(r))

    @asi.subscriber(router, "order.submit", "An order for an assigned account or the partner's "
                    "own, priced by the hub")
    async def submit(order: Order, msg: RabbitMessage) -> Reply:
        r = request(msg.raw_message, "order.submit")
        return await partner_submit(order, r, asi.uow(r), asi.order_policy)

    @asi.subscriber(router, "order.get", "An order on one of the partner's accounts")
    async def get(ref: OrderRef, msg: RabbitMessage) -> Reply:
        r = request(msg.raw_message, "order.get")
        return await partner_get_order(ref, r, asi.uow(r))

    @asi.subscriber(router, "asset.query", "The installed base of one of the partner's accounts")
    async def assets(asset_query: AssetQuery, msg: RabbitMessage) -> Reply:
        r = request(msg.raw_message, "asset.query")
        return await partner_query_assets(asset_query, r, asi.uow(r))

    @asi.subscriber(router, "asset.delta", "Order lines to a wanted state (power users)")
    async def delta(delta_request: DeltaRequest, msg: RabbitMessage) -> Reply:
        r = request(msg.raw_message, "asset.delta")
        return await partner_delta(delta_request, r, asi.uow(r))

    return router
