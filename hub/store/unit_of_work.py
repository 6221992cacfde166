"""One transaction of an ASI: state, inbox and outbox commit together or not at all."""

from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession

from hub.mappers.customer_mail import MailTemplates
from hub.store.asset_repository import Assets
from hub.store.backoffice_repository import AfterOrder, BackOfficeRecords
from hub.store.catalog_repository import Catalog
from hub.store.database import Database
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

    def __init__(
        self, database: Database, after_commit: AfterCommit, correlation_id: str | None = None,
        mail_templates: MailTemplates | None = None,
    ) -> None:
        self._database = database
        self._after_commit = after_commit
        self.correlation_id = correlation_id
        # customer e-mails are rendered inside the transaction that decides to send them
        self.mail_templates = mail_templates or MailTemplates.built_in()

    async def __aenter__(self) -> Self:
        self._writer = self._database.writer()
        await self._writer.__aenter__()
        self.session = self._database.sessions()
        self.inbox = Inbox(self.session)
        self.orders = Orders(self.session)
        self.assets = Assets(self.session)
        self.outbox = Outbox(self.session, self.correlation_id)
        self.partners = Partners(self.session)
        self.opportunities = OpportunityLinks(self.session)
        self.backoffice = BackOfficeRecords(self.session)
        self.after_order = AfterOrder(self.session)
        self.soap_credentials = SoapCredentials(self.session)
        self.catalog = Catalog(self.session)
        return self

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
        self.outbox = Outbox(self.session, self.correlation_id)

    async def commit(self) -> None:
        await self.inbox.flush()
        written = await self.outbox.flush()
        await self.session.commit()
        if written:
            self._after_commit(written)
