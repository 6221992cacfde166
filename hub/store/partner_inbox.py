"""The inbox as seen from a partner's vhost: its ``message_id``s live in a space of their own.

Without it a partner that sent a ``message_id`` the brand owner had used would be answered
from the inbox with the brand owner's reply, or would spoil that id for the brand owner.
"""

import hashlib
from typing import Any, Self

from sqlalchemy.ext.asyncio import AsyncSession

from hub.store.database import Database
from hub.store.repositories import Inbox
from hub.store.unit_of_work import AfterCommit, UnitOfWork

_KEY_LIMIT = 200  # inbox.message_id


class PartnerInbox(Inbox):
    """Remembers and finds replies under ``<vhost>/<message_id>``."""

    def __init__(self, session: AsyncSession, namespace: str) -> None:
        super().__init__(session)
        self._namespace = namespace

    def key(self, message_id: str) -> str:
        key = f"{self._namespace}/{message_id}"
        if len(key) <= _KEY_LIMIT:
            return key
        return f"{self._namespace}/#{hashlib.sha256(message_id.encode()).hexdigest()}"

    async def reply_for(self, message_id: str) -> dict[str, Any] | None:
        return await super().reply_for(self.key(message_id))

    def remember(self, message_id: str, operation: str, reply: dict[str, Any]) -> None:
        super().remember(self.key(message_id), operation, reply)


class PartnerUnitOfWork(UnitOfWork):
    """A unit of work for requests that came in on one partner's vhost."""

    def __init__(self, database: Database, after_commit: AfterCommit,
                 correlation_id: str | None = None, *, namespace: str) -> None:
        super().__init__(database, after_commit, correlation_id)
        self.namespace = namespace

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.inbox = PartnerInbox(self.session, self.namespace)
        return self
