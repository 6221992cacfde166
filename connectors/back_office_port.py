"""The port the back-office check interfaces call: send a request, get the answer's body."""

import abc


class BackOfficeUnavailable(Exception):
    """The back office did not take the request, or did not answer in time."""


class BackOffice(abc.ABC):
    """The credit, stock, tax and payment systems behind the hub, asked one request at a time."""

    @abc.abstractmethod
    async def ask(self, operation: str, body: bytes, message_id: str) -> bytes:
        """The back office's answer to ``body``; raises :class:`BackOfficeUnavailable`."""
