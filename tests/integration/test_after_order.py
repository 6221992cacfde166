"""After the order: shipments, activities and the customer's e-mails over a real SMTP server."""

import asyncio
import json
import socket
from collections.abc import Iterator

import aio_pika
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from hub.client import HubCaller
from tests.support.factories import a_line, an_order
from tests.support.hubs import running_hub

pytestmark = pytest.mark.integration


class Mailbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.mails: list = []

    def handle_message(self, message) -> None:  # type: ignore[no-untyped-def]
        self.mails.append(message)

    async def wait(self, count: int) -> list:
        for _ in range(300):
            if len(self.mails) >= count:
                break
            await asyncio.sleep(0.1)
        return self.mails


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    box = Mailbox()
    server = Controller(box, hostname="127.0.0.1", port=port)
    server.start()
    box.url = f"smtp://127.0.0.1:{port}"
    yield box
    server.stop()


def parts_of(mail) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {part.get_content_type(): part.get_payload(decode=True).decode()
            for part in mail.walk() if not part.is_multipart()}


def phone_order(order_id: str) -> dict:
    return an_order(order_id, a_line("1"),
                    a_line("PH", product_code="PHONE-X", product_name="Phone X",
                           trackable=False, price={"one_time": "199.00", "recurring": "0"}),
                    a_line("INST", product_code="INSTALL", product_name="Installation",
                           trackable=False, price={"one_time": "49.00", "recurring": "0"}),
                    activities=[{"activity_id": "A-INST", "kind": "installation",
                                 "line_id": "INST"}],
                    shipping={"address": {"name": "Jo", "street": "Main St 1", "city": "Delft",
                                          "postal_code": "2611", "country": "NL"}})


def shipment(order_id: str, shipment_id: str = "SHP-1", lines: list[str] | None = None
             ) -> dict:
    return {"order_id": order_id, "shipment_id": shipment_id, "carrier": "PostNL",
            "tracking_id": "3SPOST123456789", "shipped_at": "2026-11-24T08:00:00+00:00",
            "lines": lines or ["PH"]}


def scheduled(order_id: str, activity_id: str = "A-INST") -> dict:
    return {"order_id": order_id, "activity_id": activity_id, "status": "scheduled",
            "scheduled_for": "2026-11-28T09:00:00+01:00", "note": "between 9 and 12"}


async def test_shipment_is_announced_mailed_once_and_shown(settings, caller: HubCaller,
                                                           mailbox: Mailbox):
    async with running_hub(settings.model_copy(update={"smtp_url": mailbox.url})):
        await caller.call("order.submit", phone_order("ORD-SHIP"))
        first = (await caller.call("shipment.notify", shipment("ORD-SHIP"))).json()
        again = (await caller.call("shipment.notify", shipment("ORD-SHIP"))).json()
        [event] = await caller.wait_for("order.shipped", order_id="ORD-SHIP")
        view = (await caller.call("order.get", {"order_id": "ORD-SHIP"})).json()["result"]
        mails = await mailbox.wait(2)
        await caller.wait_for("notification.email", count=2)

    assert first == again | {"request_id": first["request_id"]}
    assert first["result"] == {"order_id": "ORD-SHIP", "revision": 1, "shipment_id": "SHP-1",
                               "lines": ["PH"]}
    assert event.json()["data"]["tracking_id"] == "3SPOST123456789"
    assert len(caller.matching("order.shipped")) == 1
    assert [s["shipment_id"] for s in view["shipments"]] == ["SHP-1"]
    assert sorted(m["Subject"] for m in mails) == [
        "We have received your order ORD-SHIP",
        "Your order ORD-SHIP has shipped with PostNL"]
    parts = parts_of(next(m for m in mails if "shipped" in m["Subject"]))
    assert "3SPOST123456789" in parts["text/plain"] and "Phone X" in parts["text/plain"]
    assert "<strong>3SPOST123456789</strong>" in parts["text/html"]
    published = [m.json() for m in caller.matching("notification.email")]
    assert {m["kind"] for m in published} == {"acknowledged", "shipped"}
    assert all({"to", "subject", "text", "html"} <= set(m) for m in published)


async def test_shipment_lines_must_belong_to_the_order(hub, caller):
    await caller.call("order.submit", phone_order("ORD-SHIP2"))
    reply = (await caller.call("shipment.notify",
                               shipment("ORD-SHIP2", lines=["PH", "NOPE"]))).json()
    assert reply["status"] == "rejected"
    assert [(e["code"], e["path"]) for e in reply["errors"]] == [
        ("shipment.line_unknown", "lines[1]")]
    unknown = (await caller.call("shipment.notify", shipment("NO-ORDER"))).json()
    assert unknown["errors"][0]["code"] == "order.unknown"
    view = (await caller.call("order.get", {"order_id": "ORD-SHIP2"})).json()["result"]
    assert view["shipments"] == []


async def test_installation_scheduled_is_announced_mailed_once_and_shown(settings, caller,
                                                                        mailbox):
    async with running_hub(settings.model_copy(update={"smtp_url": mailbox.url})):
        await caller.call("order.submit", phone_order("ORD-ACT"))
        reply = (await caller.call("activity.update", scheduled("ORD-ACT"))).json()
        # rescheduling announces the change but does not mail the customer again
        moved = scheduled("ORD-ACT") | {"scheduled_for": "2026-11-29T09:00:00+01:00"}
        await caller.call("activity.update", moved)
        await caller.wait_for("order.activity_updated", count=2)
        view = (await caller.call("order.get", {"order_id": "ORD-ACT"})).json()["result"]
        mails = await mailbox.wait(2)
        await caller.wait_for("notification.email", count=2)

    assert reply["result"] == {"order_id": "ORD-ACT", "activity_id": "A-INST",
                               "status": "scheduled"}
    assert [(a["activity_id"], a["status"]) for a in view["activities"]] == [
        ("A-INST", "scheduled")]
    installation = [m for m in mails if "installation" in m["Subject"]]
    assert len(installation) == 1
    assert "2026-11-28" in parts_of(installation[0])["text/plain"]
    assert len(caller.matching("notification.email")) == 2


@pytest.mark.parametrize(("body", "code", "path"), [
    (scheduled("ORD-ACT2", "A-NOPE"), "activity.unknown", "activity_id"),
    (scheduled("ORD-ACT2") | {"status": "later"}, "activity.status_unknown", "status"),
    (scheduled("ORD-ACT2") | {"scheduled_for": "tomorrow"}, "request.field_invalid",
     "scheduled_for"),
])
async def test_bad_activity_updates_are_refused(hub, caller, body, code, path):
    await caller.call("order.submit", phone_order("ORD-ACT2"))
    reply = (await caller.call("activity.update", body)).json()
    assert (reply["errors"][0]["code"], reply["errors"][0]["path"]) == (code, path)


async def test_completion_is_mailed_once_from_the_operators_templates(settings, caller,
                                                                     mailbox, tmp_path):
    (tmp_path / "completed.subject.j2").write_text("All done: {{ order.order_id }}")
    (tmp_path / "completed.txt.j2").write_text("Dear customer, {{ order.order_id }} is live.")
    (tmp_path / "completed.html.j2").write_text("<p>{{ order.order_id }} is live</p>")
    update = {"smtp_url": mailbox.url, "mail_templates": tmp_path}
    async with running_hub(settings.model_copy(update=update)):
        order = phone_order("ORD-DONE")
        await caller.call("order.submit", order)
        for status in ("in_progress", "completed", "completed"):
            await caller.call("fulfilment.status", {
                "order_id": "ORD-DONE", "revision": 1, "system": "provisioning",
                "lines": [{"line_id": i["line_id"], "status": status} for i in order["items"]]})
            await caller.call("fulfilment.status", {
                "order_id": "ORD-DONE", "revision": 1, "system": "billing",
                "lines": [{"line_id": i["line_id"], "status": status} for i in order["items"]]})
        await caller.wait_for("order.completed", order_id="ORD-DONE")
        mails = await mailbox.wait(2)

    assert sorted(m["Subject"] for m in mails) == ["All done: ORD-DONE",
                                                   "We have received your order ORD-DONE"]
    done = next(m for m in mails if m["Subject"].startswith("All done"))
    assert parts_of(done)["text/plain"].strip() == "Dear customer, ORD-DONE is live."


async def _relay_repeat(caller: HubCaller, message_id: str, subject: str) -> None:
    """Publish a customer e-mail on hub.out as the relay does (a repeat keeps its id)."""
    mail = {"to": "jo@example.com", "subject": subject, "text": "hello", "html": None}
    exchange = await caller.channel.get_exchange("hub.out", ensure=False)
    await exchange.publish(
        aio_pika.Message(json.dumps(mail).encode(), message_id=message_id,
                         content_type="application/json",
                         delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
        routing_key="notification.email")


async def test_a_mail_the_relay_repeats_is_sent_once(settings, caller: HubCaller,
                                                     mailbox: Mailbox):
    # one delivery at a time, so the marker is handled only after the repeat was decided
    one_at_a_time = settings.model_copy(update={"smtp_url": mailbox.url, "prefetch": 1})
    async with running_hub(one_at_a_time):
        await _relay_repeat(caller, "mail-1", "Your order ORD-REPEAT has shipped")
        assert len(await mailbox.wait(1)) == 1
        await _relay_repeat(caller, "mail-1", "Your order ORD-REPEAT has shipped")
        await _relay_repeat(caller, "mail-marker", "marker")
        mails = await mailbox.wait(2)
    assert [m["Subject"] for m in mails] == ["Your order ORD-REPEAT has shipped", "marker"]
