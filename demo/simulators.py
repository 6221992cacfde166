"""Simulated back office for the demo: billing checks the XML, provisioning reports status."""

import asyncio
import socket

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from lxml import etree

from hub.client import HubCaller, Received
from hub.hardened_xml import parse_xml
from hub.mappers.billing_xml import ASSET_SCHEMA, ORDER_SCHEMA, SCHEMAS_DIR


async def report_lines(caller: HubCaller, system: str, order: dict, status: str,
                       lines: list[str] | None = None) -> dict:
    """One back-office system's ``fulfilment.status`` report on lines of an order revision."""
    line_ids = lines or [item["line_id"] for item in order["items"]]
    update = {"order_id": order["order_id"], "revision": order["revision"], "system": system,
              "lines": [{"line_id": line_id, "status": status} for line_id in line_ids]}
    return (await caller.call("fulfilment.status", update)).json()


class Billing:
    """Validates every billing document it receives against the XSD, as a real billing would,
    and reports when it has set up the charges of an order's lines."""

    def __init__(self, caller: HubCaller) -> None:
        self._caller = caller
        self._schemas = {key: etree.XMLSchema(parse_xml((SCHEMAS_DIR / path).read_bytes()))
                         for key, path in (("billing.order", ORDER_SCHEMA),
                                           ("billing.asset", ASSET_SCHEMA))}

    def documents(self, key: str) -> list[Received]:
        found = self._caller.matching(key)
        for message in found:
            self._schemas[key].assertValid(parse_xml(message.body))
        return found

    async def complete(self, order: dict, lines: list[str] | None = None) -> dict:
        """The charges of the lines are set up: billing's own completion report."""
        return await report_lines(self._caller, "billing", order, "completed", lines)


class Provisioning:
    """Reports line status back to the hub through the ``fulfilment.status`` ASI."""

    def __init__(self, caller: HubCaller) -> None:
        self._caller = caller

    async def report(self, order: dict, status: str, lines: list[str] | None = None) -> dict:
        return await report_lines(self._caller, "provisioning", order, status, lines)

    async def work_through(self, order: dict) -> dict:
        """In progress, then point of no return, then completed: as a real switch would."""
        for status in ("in_progress", "point_of_no_return", "completed"):
            last = await self.report(order, status)
            await asyncio.sleep(0.05)
        return last


class CustomerInbox(Message):
    """A real SMTP server on loopback standing in for the customers' mailboxes."""

    def __init__(self) -> None:
        super().__init__()
        self.mails: list = []

    def handle_message(self, message) -> None:  # type: ignore[no-untyped-def]
        self.mails.append(message)

    @classmethod
    def start(cls) -> "CustomerInbox":
        inbox = cls()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        inbox._server = Controller(inbox, hostname="127.0.0.1", port=port)
        inbox._server.start()
        inbox.smtp_url = f"smtp://127.0.0.1:{port}"
        return inbox

    def stop(self) -> None:
        self._server.stop()

    async def wait(self, count: int = 1, timeout: float = 10.0) -> list:
        for _ in range(int(timeout / 0.1)):
            if len(self.mails) >= count:
                break
            await asyncio.sleep(0.1)
        return self.mails
