"""One transaction of an ASI: state, inbox and outbox commit together or not at all."""

import contextlib
from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession

from hub.canonical.catalog import Product
from hub.mappers.customer_mail import MailTemplates
from hub.store.asset_repository import Assets
from hub.store.backoffice_repository import AfterOrder, BackOfficeRecords
from hub.store.catalog_repository import Catalog
from hub.store.database import READ_ONLY, Database
from hub.store.deferred import Deferred, ReadAhead
from hub.store.outbox import Outbox, OutgoingMessage
from hub.store.partner_repository import OpportunityLinks, Partners
from hub.store.repositories import Inbox, Orders
from hub.store.soap_credentials import SoapCredentials

AfterCommit = Callable[[list[OutgoingMessage]], None]


class UnitOfWork:
    """Opened with ``async with``; nothing is kept unless :meth:`commit` is called."""

    session: AsyncSession
    inbox: Inbox
    orders: Orders
    assets: Assets
    outbox: Outbox
    partners: Partners
    opportunities: OpportunityLinks
    backoffice: BackOfficeRecords
    after_order: AfterOrder
    soap_credentials: SoapCredentials
    catalog: Catalog
    deferred: Deferred

    def __init__(
        self, database: Database, after_commit: AfterCommit, correlation_id: str | None = None,
        mail_templates: MailTemplates | None = None, *, read_only: bool = False,
    ) -> None:
        self._database = database
        # a reader neither waits for nor holds up writers, and cannot commit
        self._read_only = read_only
        self._after_commit = after_commit
        self.correlation_id = correlation_id
        # customer e-mails are rendered inside the transaction that decides to send them
        self.mail_templates = mail_templates or MailTemplates.built_in()

    async def __aenter__(self) -> Self:
        # a reader takes no writer's turn; its connection begins a deferred transaction
        self._writer = contextlib.nullcontext() if self._read_only else self._database.writer()
        await self._writer.__aenter__()
        self._bind(self._database.sessions(), None)
        if self._read_only:
            await self.session.connection(execution_options={READ_ONLY: True})
        return self

    def expect_request(self, caller: str, message_id: str) -> None:
        """Say which request's inbox entry this unit of work will look up first.

        Called before ``async with``; a group commit looks up every waiting request's entry
        in one query. Alone, a unit of work looks it up when asked.
        """

    def expect_order(self, order_id: str) -> None:
        """Say which order's head and e-mails this unit of work will read (as above)."""

    def _bind(self, session: AsyncSession, inbox: Inbox | None,
              products: dict[str, Product | None] | None = None,
              ahead: ReadAhead | None = None) -> None:
        """Open the repositories on ``session`` (shared by a group commit's requests)."""
        self.session = session
        self.deferred = Deferred.on(session)
        self.inbox = inbox or Inbox(session)
        self.orders = Orders(session, self.deferred, ahead)
        self.assets = Assets(session)
        self.outbox = Outbox(session, self.correlation_id)
        self.partners = Partners(session)
        self.opportunities = OpportunityLinks(session)
        self.backoffice = BackOfficeRecords(session)
        self.after_order = AfterOrder(session, self.deferred, ahead)
        self.soap_credentials = SoapCredentials(session)
        self.catalog = Catalog(session, products)

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self.session.rollback()
            await self.session.close()
        finally:
            await self._writer.__aexit__(exc_type, exc, tb)

    async def rollback(self) -> None:
        """Forget everything this transaction did so far, outbox included; it stays open."""
        await self.session.rollback()
        self.deferred.forget()
        self.outbox = Outbox(self.session, self.correlation_id)

    async def commit(self) -> None:
        if self._read_only:
            raise RuntimeError("a read-only unit of work keeps nothing; open a writer")
        await self.deferred.insert(self.session)
        await self.inbox.flush()
        written = await self.outbox.flush()
        await self.session.commit()
        if written:
            self._after_commit(written)
