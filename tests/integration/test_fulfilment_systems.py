"""Fulfilment per system with the default HUB_FULFILMENT_SYSTEMS: provisioning and billing must
both complete a line before it is completed and the assets are synced."""

from collections.abc import AsyncIterator

import pytest

from demo.catalogue import ACCOUNT, family_plan_order, fulfilment
from hub.bootstrap import Hub
from hub.client import HubCaller
from hub.settings import Settings
from tests.support.hubs import hub_settings, purge_asi_queues, running_hub

pytestmark = pytest.mark.integration


@pytest.fixture
async def settings(amqp_url: str, database_url: str) -> Settings:
    settings = hub_settings(amqp_url, database_url, HUB_FULFILMENT_SYSTEMS="provisioning,billing")
    await purge_asi_queues(settings)
    return settings


@pytest.fixture
async def hub(settings: Settings) -> AsyncIterator[Hub]:
    async with running_hub(settings) as hub:
        yield hub


async def report(caller: HubCaller, order: dict, system: str, status: str) -> dict:
    lines = [item["line_id"] for item in order["items"]]
    update = fulfilment(order["order_id"], order["revision"], lines, status) | {"system": system}
    return (await caller.call("fulfilment.status", update)).json()


async def view(caller: HubCaller, order_id: str) -> dict:
    return (await caller.call("order.get", {"order_id": order_id})).json()["result"]


async def installed(caller: HubCaller) -> list[dict]:
    reply = await caller.call("asset.query", {"account_id": ACCOUNT, "view": "current"})
    return reply.json()["result"]["assets"]


async def test_billing_completing_alone_neither_completes_a_line_nor_syncs_assets(hub, caller):
    order = family_plan_order("ORD-2SYS", phones=1)
    await caller.call("order.submit", order)

    billed = await report(caller, order, "billing", "completed")

    assert billed["result"]["status"] == "in_progress"
    shown = await view(caller, "ORD-2SYS")
    assert {(i["status"], tuple(i["systems"].items())) for i in shown["items"]} == {
        ("in_progress", (("billing", "completed"),))}
    assert await installed(caller) == []

    provisioned = await report(caller, order, "provisioning", "completed")

    assert provisioned["result"]["status"] == "completed"
    shown = await view(caller, "ORD-2SYS")
    assert {i["status"] for i in shown["items"]} == {"completed"}
    assert shown["items"][0]["systems"] == {"billing": "completed",
                                            "provisioning": "completed"}
    assert [a["product_code"] for a in await installed(caller)] == ["FAMILY-1500"]
    await caller.wait_for("asset.synced")
    assert len(caller.matching("order.completed")) == 1


async def test_a_line_either_system_failed_is_failed(hub, caller):
    order = family_plan_order("ORD-2FAIL", phones=1)
    await caller.call("order.submit", order)
    await report(caller, order, "provisioning", "completed")

    failed = await report(caller, order, "billing", "failed")

    assert failed["result"]["status"] == "failed"
    assert await installed(caller) == []


async def test_either_system_can_put_a_line_past_its_point_of_no_return(hub, caller):
    order = family_plan_order("ORD-2PONR", phones=1)
    await caller.call("order.submit", order)

    await report(caller, order, "billing", "point_of_no_return")

    shown = await view(caller, "ORD-2PONR")
    assert {i["status"] for i in shown["items"]} == {"point_of_no_return"}
    revision = family_plan_order("ORD-2PONR", phones=2, revision=2)
    late = (await caller.call("order.submit", revision)).json()
    assert [e["code"] for e in late["errors"]] == ["order.past_point_of_no_return"]
