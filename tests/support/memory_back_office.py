"""The back office in memory: the simulator's book answers, with no broker in between.

It answers exactly as :class:`simulators.backoffice.BackOfficeSimulator` does on the broker
(the same :class:`BackOfficeBook`, the same garbled answer), and fails as the hub's AMQP link
does when nobody answers (:class:`BackOfficeUnavailable`).
"""

import json
from dataclasses import dataclass
from typing import Any

from hub.interfaces.ports import BackOffice, BackOfficeUnavailable
from simulators.backoffice import BackOfficeBook


@dataclass(frozen=True)
class Asked:
    """A request as the back office received it."""

    operation: str
    body: dict[str, Any]
    message_id: str


class InMemoryBackOffice(BackOffice):
    def __init__(self, book: BackOfficeBook) -> None:
        self.book = book
        self.asked: list[Asked] = []
        # no back office takes the request (the link's timeout or an unroutable publish)
        self.down = False
        # operations answered with nonsense, as the simulator's ``garbled``
        self.garbled: set[str] = set()

    def requests(self, operation: str) -> list[Asked]:
        return [a for a in self.asked if a.operation == operation]

    async def ask(self, operation: str, body: bytes, message_id: str) -> bytes:
        if self.down:
            raise BackOfficeUnavailable(f"no back office takes backoffice.{operation} right now")
        request = json.loads(body)
        self.asked.append(Asked(operation, request, message_id))
        if operation in self.garbled:
            return json.dumps({"decision": "maybe", "lines": "none"}).encode()
        return json.dumps(self.book.answer(operation, request)).encode()
