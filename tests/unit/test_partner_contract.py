"""The partner channel's operations and events stand in the generated contract."""

from hub.contracts import asyncapi_yaml, json_schemas
from hub.routes.publications import EVENT_NAMES

OPERATIONS = ("partner.register", "partner.approve", "partner.suspend",
              "opportunity.transfer", "opportunity.update", "opportunity.query")
EVENTS = ("partner.status_changed", "opportunity.transfer_status", "opportunity.updated",
          "opportunity.received")


def test_every_partner_operation_and_event_is_in_the_asyncapi_document():
    document = asyncapi_yaml()
    for operation in OPERATIONS:
        assert f"asi.{operation}:" in document
    for event in EVENTS:
        assert event in EVENT_NAMES
        assert f"hub.events:{event}" in document


def test_the_partner_messages_have_json_schemas():
    assert {"PartnerRegistration.schema.json", "PartnerLead.schema.json",
            "TransferRequest.schema.json", "TransferResult.schema.json"} <= set(json_schemas())
