"""Every ASI declared once: its name, request model, description and the events it causes.

Routes subscribe by name and take their description from here, the partner vhosts declare
their queues and permissions from here, so the AsyncAPI documents (generated from the
routes), the README's operation list and the contract tests all follow this table. Adding an
ASI: a row here, a use case in ``hub/interfaces/<area>/``, one handler in
``hub/routes/<area>.py``, then ``hub asyncapi`` and ``hub schemas``.
"""

from dataclasses import dataclass

from pydantic import BaseModel

from hub.canonical.after_order import ActivityUpdate, ShipmentNotice
from hub.canonical.assets import AssetQuery, DeltaRequest
from hub.canonical.backoffice import (
    AvailabilityRequest,
    CreditCheckRequest,
    PaymentRequest,
    PriceRequest,
)
from hub.canonical.catalog import CatalogQuery, CatalogSync
from hub.canonical.fulfilment import FulfilmentUpdate
from hub.canonical.opportunities import OpportunityQuery, TransferRequest
from hub.canonical.orders import Approval, Order, OrderRef
from hub.canonical.partners import (
    PartnerAlert,
    PartnerApproval,
    PartnerLead,
    PartnerOpportunityRef,
    PartnerRegistration,
    PartnerSuspension,
    PartnerUserAssignment,
    PartnerUserRemoval,
)


@dataclass(frozen=True)
class Operation:
    """One ASI as callers see it."""

    name: str
    request: type[BaseModel]
    description: str
    events: tuple[str, ...] = ()
    # a partner calls it as one of its employees, named in the AMQP header ``x-acting-user``
    acting_user: bool = False


def _table(*operations: Operation) -> dict[str, Operation]:
    return {operation.name: operation for operation in operations}


# the brand owner's ASIs on its own vhost
OPERATIONS = _table(
    Operation("order.submit", Order, "Submit a new order, a revision or a cancellation",
              ("order.accepted", "order.rejected", "order.approval_requested",
               "order.revised", "order.cancelled")),
    Operation("order.approve", Approval, "A supervisor's decision on a held order",
              ("order.accepted", "order.rejected")),
    Operation("order.get", OrderRef, "The latest revision of an order with its status"),
    Operation("fulfilment.status", FulfilmentUpdate, "Line status from provisioning or billing",
              ("order.status_changed", "order.completed", "asset.synced")),
    Operation("asset.query", AssetQuery, "An account's assets now, or after its open orders"),
    Operation("asset.delta", DeltaRequest, "Order lines from current assets to a wanted state"),
    Operation("partner.register", PartnerRegistration,
              "A partner applies: connector, vocabulary, accounts", ("partner.status_changed",)),
    Operation("partner.approve", PartnerApproval, "The channel manager approves a partner",
              ("partner.status_changed",)),
    Operation("partner.suspend", PartnerSuspension, "The channel manager suspends a partner",
              ("partner.status_changed",)),
    Operation("partner.user.assign", PartnerUserAssignment,
              "A partner employee becomes a power or standard user", ("partner.user_assigned",)),
    Operation("partner.user.remove", PartnerUserRemoval, "A partner employee may no longer act",
              ("partner.user_removed",)),
    Operation("partner.alert", PartnerAlert,
              "News for the listed partners, or every approved one", ("partner.alert",)),
    Operation("opportunity.transfer", TransferRequest,
              "Transfer an opportunity to a partner's CRM, in the partner's vocabulary",
              ("opportunity.transfer_status",)),
    Operation("opportunity.update", TransferRequest,
              "Send the brand owner's changes to an opportunity a partner holds",
              ("opportunity.transfer_status",)),
    Operation("opportunity.query", OpportunityQuery,
              "Ask a partner's CRM how a transferred opportunity stands now",
              ("opportunity.updated",)),
    Operation("catalog.sync", CatalogSync, "The product master upserts up to 1,000 products",
              ("catalog.changed",)),
    Operation("catalog.query", CatalogQuery, "Active products by code or text"),
    Operation("credit.check", CreditCheckRequest, "Ask the back office for a credit decision"),
    Operation("availability.check", AvailabilityRequest,
              "Stock and delivery date per order line"),
    Operation("price.calculate", PriceRequest, "Tax per line, shipping and the order total"),
    Operation("payment.authorize", PaymentRequest, "Authorise a tokenised card; never a number"),
    Operation("shipment.notify", ShipmentNotice, "The warehouse shipped some lines of an order",
              ("order.shipped",)),
    Operation("activity.update", ActivityUpdate, "Field service moved an order's activity on",
              ("order.activity_updated",)),
)

# what a partner calls on its own vhost, in its own vocabulary
PARTNER_OPERATIONS = _table(
    Operation("opportunity.transfer", PartnerLead, "A partner transfers one of its own leads",
              ("opportunity.received",)),
    Operation("opportunity.update", PartnerLead, "A partner's news on a shared opportunity",
              ("opportunity.updated",)),
    Operation("opportunity.query", PartnerOpportunityRef,
              "A partner asks how the brand owner holds one"),
    Operation("catalog.query", CatalogQuery, "Active products with list and partner prices",
              acting_user=True),
    Operation("order.submit", Order,
              "An order for an assigned account or the partner's own, priced by the hub",
              ("order.accepted", "order.rejected", "order.approval_requested",
               "order.revised", "order.cancelled"), acting_user=True),
    Operation("order.get", OrderRef, "An order on one of the partner's accounts",
              acting_user=True),
    Operation("asset.query", AssetQuery, "The installed base of one of the partner's accounts",
              acting_user=True),
    Operation("asset.delta", DeltaRequest, "Order lines to a wanted state (power users)",
              acting_user=True),
)
