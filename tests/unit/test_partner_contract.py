"""The partner channel's operations and events stand in the generated contract."""

from hub.routes.publications import EVENT_NAMES
from tests.support.generated import asyncapi_yaml, json_schemas

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


def test_every_operation_a_partner_may_publish_is_in_its_contract_and_readme():
    from pathlib import Path

    from hub.contracts import partner_asyncapi_yaml
    from hub.delivery.partner_topology import PARTNER_OPERATIONS, PARTNER_READS

    document = partner_asyncapi_yaml()
    readme = (Path(__file__).parents[2] / "contracts" / "partners" / "README.md").read_text()
    for operation in PARTNER_OPERATIONS:
        assert f"asi.{operation}:" in document
        assert f"`{operation}`" in readme
    for queue in PARTNER_READS:
        assert f"`{queue}`" in readme
    for code in ("partner.user_unknown", "partner.identity_mismatch",
                 "partner.account_not_assigned", "order.unknown", "line.product_unknown",
                 "line.product_retired", "line.price_mismatch", "partner.user_type_forbidden"):
        assert f"`{code}`" in readme


def test_the_commerce_operations_and_events_stand_in_the_brand_owners_contract():
    document = asyncapi_yaml()
    for operation in ("catalog.sync", "catalog.query", "partner.user.assign",
                      "partner.user.remove", "partner.alert"):
        assert f"asi.{operation}:" in document
    for event in ("catalog.changed", "partner.alert", "partner.user_assigned"):
        assert f"hub.events:{event}" in document
    assert {"Product.schema.json", "CatalogSync.schema.json", "PartnerAlert.schema.json",
            "PartnerUserAssignment.schema.json"} <= set(json_schemas())


def test_the_partner_asyncapi_asks_for_the_acting_employee_on_commerce_operations_only():
    import yaml

    from hub.contracts import partner_asyncapi_yaml

    messages = yaml.safe_load(partner_asyncapi_yaml())["components"]["messages"]
    with_header = {title.removeprefix("asi.").removesuffix(":SubscribeMessage")
                   for title, message in messages.items()
                   if "x-acting-user" in message.get("headers", {}).get("required", [])}
    assert with_header == {"catalog.query", "order.submit", "order.get", "asset.query",
                           "asset.delta"}
