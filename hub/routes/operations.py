"""Every ASI declared once: its name, request model, description and the events it causes.

Routes subscribe by name and take their description from here, so the AsyncAPI documents
(generated from the routes), the README's operation list and the contract tests all follow
this table. Adding an ASI: a row here, a use case in ``hub/interfaces/<area>/``, one handler
in ``hub/routes/<area>.py``, then ``hub asyncapi`` and ``hub schemas``.
"""

from dataclasses import dataclass

from pydantic import BaseModel

from hub.canonical.assets import AssetQuery, DeltaRequest
from hub.canonical.fulfilment import FulfilmentUpdate
from hub.canonical.opportunities import OpportunityQuery, TransferRequest
from hub.canonical.orders import Approval, Order, OrderRef
from hub.canonical.partners import (
    PartnerApproval,
    PartnerLead,
    PartnerOpportunityRef,
    PartnerRegistration,
    PartnerSuspension,
)


@dataclass(frozen=True)
class Operation:
    """One ASI as callers see it."""

    name: str
    request: type[BaseModel]
    description: str
    events: tuple[str, ...] = ()


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
    Operation("opportunity.transfer", TransferRequest,
              "Transfer an opportunity to a partner's CRM, in the partner's vocabulary",
              ("opportunity.transfer_status",)),
    Operation("opportunity.update", TransferRequest,
              "Send the brand owner's changes to an opportunity a partner holds",
              ("opportunity.transfer_status",)),
    Operation("opportunity.query", OpportunityQuery,
              "Ask a partner's CRM how a transferred opportunity stands now",
              ("opportunity.updated",)),
)

# what a partner calls on its own vhost, in its own vocabulary
PARTNER_OPERATIONS = _table(
    Operation("opportunity.transfer", PartnerLead, "A partner transfers one of its own leads",
              ("opportunity.received",)),
    Operation("opportunity.update", PartnerLead, "A partner's news on a shared opportunity",
              ("opportunity.updated",)),
    Operation("opportunity.query", PartnerOpportunityRef,
              "A partner asks how the brand owner holds one"),
)
