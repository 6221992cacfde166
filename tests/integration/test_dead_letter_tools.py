"""Operators list and replay dead letters against the real broker."""

import pytest

from hub.client import HubCaller
from hub.dead_letters import list_dead_letters, replay_dead_letters
from tests.support.factories import an_order

pytestmark = pytest.mark.integration


async def test_listing_dead_letters_leaves_them_in_the_queue(hub, caller: HubCaller, amqp_url):
    await caller.call("order.submit", an_order("ORD-L", items=[]), message_id="dl-1")
    first = await _eventually(amqp_url, 1)
    second = await list_dead_letters(amqp_url, "order.submit")
    assert [d.message_id for d in first] == [d.message_id for d in second] == ["dl-1"]
    assert first[0].reason.startswith("order.no_items")


async def test_replayed_dead_letter_is_processed_again_by_the_hub(hub, caller, amqp_url):
    await caller.send("order.submit", an_order("ORD-R", items=[]), message_id="dl-2")
    await _eventually(amqp_url, 1)
    assert await replay_dead_letters(amqp_url, "order.submit") == 1
    # refused again (same message id, same answer) and dead-lettered again: nothing lost
    letters = await _eventually(amqp_url, 1)
    assert [d.message_id for d in letters] == ["dl-2"]
    assert len(caller.matching("order.rejected")) == 1


async def _eventually(amqp_url: str, count: int):
    import asyncio

    for _ in range(50):
        letters = await list_dead_letters(amqp_url, "order.submit")
        if len(letters) >= count:
            return letters
        await asyncio.sleep(0.1)
    return letters
