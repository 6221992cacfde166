"""The operations console in headless Chromium, against a hub on the real broker and database."""

import json
import shutil
from collections.abc import AsyncIterator

import aio_pika
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from hub.bootstrap import Hub
from hub.client import HubCaller
from hub.settings import Settings
from tests.support.factories import a_line, an_order
from tests.support.hubs import running_hub
from tests.support.partners import SOAP_PARTNER, SOAP_PASSWORD, an_opportunity

pytestmark = pytest.mark.integration
pytest_plugins = ["tests.support.partner_fixtures"]
TOKEN = "console-token-for-tests"
HOSTILE = "<script>window.owned = 1</script>"


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("no Chromium: `apt-get install -y chromium` (make test does it as root)",
                    pytrace=False)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, headless=True)
        yield browser
        await browser.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 1366, "height": 768})
    page = await context.new_page()
    page.set_default_timeout(20_000)
    yield page
    await context.close()


@pytest.fixture
async def console_hub(settings: Settings) -> AsyncIterator[Hub]:
    async with running_hub(settings.model_copy(update={"console_token": TOKEN})) as hub:
        yield hub


async def test_an_operator_finds_an_order_and_reads_its_timeline(
        console_hub: Hub, caller: HubCaller, page: Page):
    await caller.call("order.submit", an_order("ORD-C1", a_line("1"), a_line("2")))
    revised = an_order("ORD-C1", a_line("1"), a_line("2"), a_line("3"), revision=2,
                       kind="revision")
    assert (await caller.call("order.submit", revised)).json()["status"] == "accepted"
    await caller.wait_for("order.revised", order_id="ORD-C1")

    await page.goto(console_hub.http.url)
    await page.get_by_label("Order or opportunity id").fill("ORD-C1")
    await page.get_by_role("button", name="Find").click()

    await expect(page.locator("#order-id")).to_have_text("ORD-C1")
    await expect(page.get_by_role("heading", name="Revision 2")).to_be_visible()
    await expect(page.locator("table.lines").nth(1).locator("tr")).to_have_count(4)
    timeline = page.locator("#timeline")
    await expect(timeline.get_by_text("order.submit.reply").first).to_be_visible()
    names = await timeline.locator("td:nth-child(2) .mono").all_inner_texts()
    # in order: revision 1's request, reply and what it caused, then revision 2's
    assert names.index("order.submit") < names.index("order.accepted") < names.index(
        "order.revised")
    assert {"billing.order", "provisioning.order"} <= set(names)


async def test_replaying_a_dead_letter_with_the_token_gets_it_answered(
        console_hub: Hub, caller: HubCaller, page: Page, amqp_url: str):
    await _dead_letter(amqp_url, caller, an_order("ORD-C2"), "msg-c2")

    await page.goto(f"{console_hub.http.url}/dead-letters")
    row = page.locator("tr[data-message-id='msg-c2']")
    await expect(row).to_contain_text("hub.internal_error")
    await row.get_by_label("console token").fill(TOKEN)
    await row.get_by_role("button", name="Replay").click()

    await expect(page.locator("#replayed")).to_contain_text("Replayed 1 message(s)")
    accepted = await caller.wait_for("order.accepted", order_id="ORD-C2", timeout=30)
    assert accepted[0].correlation_id == "corr-msg-c2"
    await page.goto(f"{console_hub.http.url}/order?id=ORD-C2")
    await expect(page.locator("#timeline")).to_contain_text("accepted")


async def test_a_replay_without_the_right_token_is_refused_and_changes_nothing(
        console_hub: Hub, caller: HubCaller, page: Page, amqp_url: str):
    await _dead_letter(amqp_url, caller, an_order("ORD-C3"), "msg-c3")

    await page.goto(f"{console_hub.http.url}/dead-letters")
    form = page.locator("form.replay-all").first
    await form.get_by_label("console token").fill("not-the-token")
    await form.get_by_role("button", name="Replay all").click()

    await expect(page.locator("#refused")).to_contain_text("token is wrong")
    await page.goto(f"{console_hub.http.url}/dead-letters")
    await expect(page.locator("tr[data-message-id='msg-c3']")).to_be_visible()


async def test_without_a_configured_token_the_console_is_read_only(
        hub: Hub, caller: HubCaller, page: Page, amqp_url: str):
    await _dead_letter(amqp_url, caller, an_order("ORD-C4"), "msg-c4")

    await page.goto(f"{hub.http.url}/dead-letters")
    await expect(page.locator("tr[data-message-id='msg-c4']")).to_be_visible()
    await expect(page.get_by_role("button", name="Replay")).to_have_count(0)
    refused = await page.request.post(f"{hub.http.url}/dead-letters/replay",
                                      form={"operation": "order.submit", "token": ""})
    assert refused.status == 403


async def test_hostile_strings_are_shown_as_text(
        console_hub: Hub, caller: HubCaller, page: Page):
    await caller.call("order.submit", an_order("ORD-C5", a_line("1", product_name=HOSTILE)))

    await page.goto(f"{console_hub.http.url}/order?id=ORD-C5")
    await expect(page.locator("table.lines")).to_contain_text(HOSTILE)
    await page.goto(f"{console_hub.http.url}/search?q={HOSTILE}")
    await expect(page.locator("#missing")).to_contain_text(HOSTILE)
    assert await page.evaluate("window.owned") is None


async def test_unknown_ids_and_pages_give_a_not_found_page(console_hub: Hub, page: Page):
    for path in ("/order?id=ORD-NONE", "/opportunity?id=OPP-NONE", "/no/such/page"):
        response = await page.goto(console_hub.http.url + path)
        assert response is not None and response.status == 404
        await expect(page.get_by_role("heading", name="Not found")).to_be_visible()


async def test_an_opportunity_shows_its_transfers_and_partners_show_no_secret(
        channel_hub: Hub, caller: HubCaller, page: Page):
    transfer = {"opportunity": an_opportunity("OPP-C1", name=HOSTILE),
                "partner_id": SOAP_PARTNER}
    assert (await caller.call("opportunity.transfer", transfer)).json()["status"] == "accepted"

    await page.goto(f"{channel_hub.http.url}/search?q=OPP-C1")
    await expect(page.locator("#opportunity-name")).to_have_text(HOSTILE)
    await expect(page.locator("#transfers")).to_contain_text("transfer_successful")
    await expect(page.locator("#transfers")).to_contain_text(SOAP_PARTNER)
    assert await page.evaluate("window.owned") is None

    await page.goto(f"{channel_hub.http.url}/partners")
    await expect(page.locator("#partners")).to_contain_text(SOAP_PARTNER)
    assert SOAP_PASSWORD not in await page.content()


async def _dead_letter(amqp_url: str, caller: HubCaller, body: dict, message_id: str) -> None:
    """A request as the hub dead-letters one that crashed it: body, reply_to and the reason."""
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        dlx = await channel.get_exchange("hub.dlx", ensure=False)
        await dlx.publish(aio_pika.Message(
            json.dumps(body).encode(), message_id=message_id, correlation_id=f"corr-{message_id}",
            content_type="application/json", type="order.submit", reply_to=caller._replies.name,
            headers={"x-hub-error": "hub.internal_error: the database was away",
                     "x-hub-error-code": "hub.internal_error"},
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT), routing_key="asi.order.submit")
