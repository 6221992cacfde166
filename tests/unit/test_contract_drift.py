"""The committed contract equals what the code generates."""

import json
from pathlib import Path

from tests.support.generated import asyncapi_yaml, json_schemas, partner_asyncapi_yaml

ROOT = Path(__file__).resolve().parents[2]


def test_asyncapi_document_matches_the_routes():
    committed = (ROOT / "contracts" / "asyncapi.yaml").read_text()
    assert committed == asyncapi_yaml(), "contracts/asyncapi.yaml drifted: run `hub asyncapi`"


def test_partner_asyncapi_document_matches_the_partner_routes():
    committed = (ROOT / "contracts" / "partners" / "asyncapi.yaml").read_text()
    assert committed == partner_asyncapi_yaml(), "drifted: run `hub asyncapi`"


def test_json_schemas_match_the_canonical_models():
    for name, text in json_schemas().items():
        committed = ROOT / "schemas" / "json" / name
        assert committed.exists(), f"{name} missing: run `hub schemas`"
        assert committed.read_text() == text, f"{name} drifted: run `hub schemas`"


def test_every_contract_operation_has_a_queue_in_the_asyncapi_document():
    document = asyncapi_yaml()
    for operation in ("order.submit", "order.approve", "order.get"):
        assert f"asi.{operation}:" in document


def test_order_schema_requires_what_the_contract_requires():
    schema = json.loads((ROOT / "schemas" / "json" / "Order.schema.json").read_text())
    assert {"order_id", "account_id", "currency", "submitted_at"} <= set(schema["required"])
