"""The machine-readable contract, generated from the code: AsyncAPI and JSON Schemas."""

import json
from collections.abc import Callable
from typing import Any

import yaml
from faststream.specification import AsyncAPI

from hub.canonical.after_order import (
    ActivityResult,
    ActivityUpdate,
    ShipmentNotice,
    ShipmentResult,
)
from hub.canonical.assets import Asset, AssetQuery, AssetQueryResult, DeltaRequest, DeltaResult
from hub.canonical.backoffice import (
    AvailabilityRequest,
    AvailabilityResult,
    CreditCheckRequest,
    CreditCheckResult,
    PaymentRequest,
    PaymentResult,
    PriceRequest,
    PriceResult,
)
from hub.canonical.catalog import (
    CatalogQuery,
    CatalogQueryResult,
    CatalogSync,
    CatalogSyncResult,
    Product,
)
from hub.canonical.changes import RevisionChanges
from hub.canonical.events import Event
from hub.canonical.fulfilment import FulfilmentUpdate
from hub.canonical.notifications import Mail
from hub.canonical.operations import PARTNER_OPERATIONS
from hub.canonical.opportunities import (
    Opportunity,
    OpportunityQuery,
    TransferRequest,
    TransferResult,
)
from hub.canonical.orders import Approval, Order, OrderItem, OrderRef, OrderView, SubmitResult
from hub.canonical.partners import (
    AlertResult,
    PartnerAlert,
    PartnerApproval,
    PartnerLead,
    PartnerOpportunityRef,
    PartnerRegistration,
    PartnerResult,
    PartnerSuspension,
    PartnerUser,
    PartnerUserAssignment,
    PartnerUserRemoval,
    PartnerUserRemoved,
)
from hub.canonical.replies import Reply
from hub.delivery.topology import QueuePolicy
from hub.errors import HubError
from hub.routes.envelope import ACTING_USER_HEADER
from hub.routes.publications import declare_publications
from hub.settings import Settings

CANONICAL = (
    Order, OrderItem, OrderRef, Approval, SubmitResult, OrderView, Reply, HubError, Event,
    FulfilmentUpdate,
    RevisionChanges, Asset, AssetQuery, AssetQueryResult, DeltaRequest, DeltaResult,
    Opportunity, TransferRequest, OpportunityQuery, TransferResult,
    PartnerRegistration, PartnerApproval, PartnerSuspension, PartnerResult, PartnerLead,
    PartnerOpportunityRef,
    Product, CatalogSync, CatalogSyncResult, CatalogQuery, CatalogQueryResult,
    PartnerUserAssignment, PartnerUser, PartnerUserRemoval, PartnerUserRemoved,
    PartnerAlert, AlertResult,
    CreditCheckRequest, CreditCheckResult, AvailabilityRequest, AvailabilityResult,
    PriceRequest, PriceResult, PaymentRequest, PaymentResult, ShipmentNotice, ShipmentResult,
    ActivityUpdate, ActivityResult, Mail,
)


def asyncapi_yaml() -> str:
    """The brand owner's side: every ASI on ``hub.asi`` and what the hub publishes."""
    broker = _hub().build_routes(QueuePolicy(quorum=True))
    # only the document lists them: a running hub publishes through the outbox relay, and
    # each FastStream publisher object costs a test-call recorder (a MagicMock) to build
    declare_publications(broker)
    return _document(broker, "Order Hub",
                     "Application service interfaces of the hub (wire contract v1).")


def partner_asyncapi_yaml() -> str:
    """A partner's side: the operations it calls on its own vhost ``partner.<id>``."""
    from faststream.rabbit import RabbitBroker

    from hub.routes.partner_channel import partner_channel_router

    hub = _hub()
    hub.build_routes(QueuePolicy(quorum=True))
    broker = RabbitBroker("amqp://guest:guest@localhost:5672/partner.PARTNER_ID")
    broker.include_router(partner_channel_router(hub.routes, "PARTNER_ID"))
    return _document(broker, "Order Hub: partner channel",
                     "What a partner calls on its own virtual host: its leads in its own "
                     "vocabulary, and ordering for its customers as the employee in the "
                     "x-acting-user header; see contracts/partners/README.md.",
                     _with_acting_user)


def _with_acting_user(document: dict[str, Any]) -> None:
    """The ``x-acting-user`` header on the messages of operations a partner's employee calls."""
    for operation in PARTNER_OPERATIONS.values():
        message = document["components"]["messages"].get(f"asi.{operation.name}:SubscribeMessage")
        if operation.acting_user and message is not None:
            message["headers"] = {"type": "object", "required": [ACTING_USER_HEADER],
                                  "properties": {ACTING_USER_HEADER: {
                                      "type": "string", "minLength": 1, "maxLength": 64,
                                      "description": "The partner employee who acts, as the "
                                      "brand owner assigned them (partner.user.assign); "
                                      "missing or unknown: partner.user_unknown"}}}


def _hub():  # type: ignore[no-untyped-def]
    from hub.bootstrap import build_hub

    return build_hub(Settings(amqp_url="amqp://guest:guest@localhost:5672/"))


def _document(broker, title: str, description: str,  # type: ignore[no-untyped-def]
              amend: Callable[[dict[str, Any]], None] | None = None) -> str:
    spec = AsyncAPI(broker, title=title, version="1.0.0", description=description)
    # FastStream lists channels in set order; sort so the committed file is stable
    document = json.loads(spec.to_specification().to_json())
    if amend is not None:
        amend(document)
    return yaml.safe_dump(document, sort_keys=True, allow_unicode=True, width=100)


def json_schemas() -> dict[str, str]:
    return {
        f"{model.__name__}.schema.json": json.dumps(model.model_json_schema(), indent=2) + "\n"
        for model in CANONICAL
    }
