"""The customer's acknowledgement e-mail reaches a real SMTP server, even one that was down."""

import asyncio
import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from hub.client import HubCaller
from tests.support.factories import an_order
from tests.support.hubs import hub_settings, running_hub

pytestmark = pytest.mark.integration


class Inbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.mails: list = []

    def handle_message(self, message) -> None:  # type: ignore[no-untyped-def]
        self.mails.append(message)


def ours(inbox: Inbox) -> list:
    return [m for m in inbox.mails if "ORD-MAIL" in m["Subject"]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_acknowledgement_is_mailed_once_smtp_answers(amqp_url, database_url,
                                                           caller: HubCaller):
    port = free_port()
    settings = hub_settings(amqp_url, database_url, SMTP_URL=f"smtp://127.0.0.1:{port}")
    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    async with running_hub(settings):
        # the SMTP server is down when the order is accepted: the mail waits and is retried
        reply = await caller.call("order.submit", an_order("ORD-MAIL"))
        assert reply.json()["status"] == "accepted"
        await asyncio.sleep(1.0)
        server.start()
        try:
            for _ in range(100):
                if ours(inbox):
                    break
                await asyncio.sleep(0.1)
        finally:
            server.stop()
    [mail] = ours(inbox)
    assert mail["To"] == "jo@example.com"
    assert "ORD-MAIL" in mail["Subject"]
