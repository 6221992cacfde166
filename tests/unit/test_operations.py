"""The table of operations is the one place an ASI is declared: the routes and the AsyncAPI
documents follow it, operation by operation."""

import pytest
import yaml

from hub.canonical.operations import OPERATIONS, PARTNER_OPERATIONS, Operation
from tests.support.generated import asyncapi_yaml, partner_asyncapi_yaml


def _documented(document: str) -> dict[str, tuple[str, str]]:
    """Each ``asi.<operation>`` channel's description and request schema name."""
    spec = yaml.safe_load(document)
    messages = spec["components"]["messages"]
    found = {}
    for name, channel in spec["channels"].items():
        if not name.startswith("asi."):
            continue
        [ref] = [m["$ref"].rsplit("/", 1)[-1] for m in channel["messages"].values()]
        payload = messages[ref]["payload"]["$ref"].rsplit("/", 1)[-1]
        found[name.removeprefix("asi.")] = (channel["description"], payload)
    return found


@pytest.mark.parametrize("table, document", [(OPERATIONS, asyncapi_yaml),
                                             (PARTNER_OPERATIONS, partner_asyncapi_yaml)],
                         ids=["brand-owner", "partner"])
def test_every_declared_operation_is_routed_as_declared(table: dict[str, Operation], document):
    documented = _documented(document())
    declared = {op.name: (op.description, op.request.__name__) for op in table.values()}
    assert {name: documented.get(name) for name in declared} == declared

