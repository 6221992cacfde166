"""The machine-readable contract, generated from the code: AsyncAPI and JSON Schemas."""

import json

import yaml
from faststream.specification import AsyncAPI

from hub.canonical.assets import Asset, AssetQuery, AssetQueryResult, DeltaRequest, DeltaResult
from hub.canonical.changes import RevisionChanges
from hub.canonical.events import Event
from hub.canonical.fulfilment import FulfilmentUpdate
from hub.canonical.opportunities import (
    Opportunity,
    OpportunityQuery,
    TransferRequest,
    TransferResult,
)
from hub.canonical.orders import Approval, Order, OrderItem, OrderRef, OrderView, SubmitResult
from hub.canonical.partners import (
    PartnerApproval,
    PartnerLead,
    PartnerOpportunityRef,
    PartnerRegistration,
    PartnerResult,
    PartnerSuspension,
)
from hub.canonical.replies import Reply
from hub.delivery.topology import QueuePolicy
from hub.errors import HubError
from hub.settings import Settings

CANONICAL = (
    Order, OrderItem, OrderRef, Approval, SubmitResult, OrderView, Reply, HubError, Event,
    FulfilmentUpdate,
    RevisionChanges, Asset, AssetQuery, AssetQueryResult, DeltaRequest, DeltaResult,
    Opportunity, TransferRequest, OpportunityQuery, TransferResult,
    PartnerRegistration, PartnerApproval, PartnerSuspension, PartnerResult, PartnerLead,
    PartnerOpportunityRef,
)


def asyncapi_yaml() -> str:
    from hub.bootstrap import build_hub

    hub = build_hub(Settings(amqp_url="amqp://guest:guest@localhost:5672/"))
    broker = hub.build_routes(QueuePolicy(quorum=True))
    spec = AsyncAPI(broker, title="Order Hub", version="1.0.0",
                    description="Application service interfaces of the hub (wire contract v1).")
    # FastStream lists channels in set order; sort so the committed file is stable
    document = json.loads(spec.to_specification().to_json())
    return yaml.safe_dump(document, sort_keys=True, allow_unicode=True, width=100)


def json_schemas() -> dict[str, str]:
    return {
        f"{model.__name__}.schema.json": json.dumps(model.model_json_schema(), indent=2) + "\n"
        for model in CANONICAL
    }
