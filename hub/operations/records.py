"""What the console reads from the store: an order's story, an opportunity's transfers, partners."""

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, LargeBinary, TextClause, bindparam, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from hub.store.database import Database
from hub.store.partner_tables import OpportunityLinkRow, PartnerAccountRow, PartnerRow
from hub.store.tables import InboxRow, OrderHeadRow, OrderLineRow, OrderRow, OutboxRow

TIMELINE_LIMIT = 500


@dataclass(frozen=True)
class Moment:
    """One message in an order's or opportunity's story."""

    at: datetime
    kind: str  # request, reply, event, back office
    name: str
    message_id: str
    detail: str = ""
    revision: int | None = None
    correlation_id: str | None = None
    published: bool | None = None


@dataclass(frozen=True)
class Line:
    line_id: str
    action: str
    product: str
    quantity: int
    status: str
    asset_id: str | None
    reason: str | None


@dataclass(frozen=True)
class Revision:
    revision: int
    kind: str
    status: str
    total: str
    currency: str
    submitted_at: datetime
    lines: list[Line]


@dataclass(frozen=True)
class OrderStory:
    order_id: str
    account_id: str
    status: str
    current_revision: int
    point_of_no_return: bool
    revisions: list[Revision]
    timeline: list[Moment]


@dataclass(frozen=True)
class Transfer:
    partner_id: str
    origin: str
    transfer_status: str
    external_id: str | None
    reason: str | None
    updated_at: datetime


@dataclass(frozen=True)
class OpportunityStory:
    opportunity_id: str
    name: str
    stage: str
    transfers: list[Transfer]
    timeline: list[Moment]


@dataclass(frozen=True)
class PartnerCard:
    partner_id: str
    name: str
    status: str
    connector_kind: str
    vocabulary: str
    address: str | None
    vhost: str | None
    users: list[str] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)


async def known(database: Database, wanted: str) -> str | None:
    """What ``wanted`` names: ``"order"``, ``"opportunity"`` or None (two key lookups)."""
    async with database.sessions() as session:
        if await session.get(OrderHeadRow, wanted) is not None:
            return "order"
        link = await session.scalar(select(OpportunityLinkRow.opportunity_id).where(
            OpportunityLinkRow.opportunity_id == wanted).limit(1))
        return None if link is None else "opportunity"


async def order_story(database: Database, order_id: str) -> OrderStory | None:
    async with database.sessions() as session:
        head = await session.get(OrderHeadRow, order_id)
        if head is None:
            return None
        revisions = [await _revision(session, row) for row in (await session.execute(
            select(OrderRow).where(OrderRow.order_id == order_id).order_by(OrderRow.revision)
        )).scalars()]
        timeline = await _timeline(session, "order_id", order_id)
    return OrderStory(order_id, head.account_id, head.status, head.current_revision,
                      head.point_of_no_return, revisions, timeline)


async def opportunity_story(database: Database, opportunity_id: str) -> OpportunityStory | None:
    async with database.sessions() as session:
        links = list((await session.execute(
            select(OpportunityLinkRow).where(OpportunityLinkRow.opportunity_id == opportunity_id)
            .order_by(OpportunityLinkRow.partner_id)
        )).scalars())
        if not links:
            return None
        timeline = await _timeline(session, "opportunity_id", opportunity_id)
    document = links[0].document or {}
    return OpportunityStory(
        opportunity_id, str(document.get("name", "")), str(document.get("stage", "")),
        [Transfer(link.partner_id, link.origin, link.transfer_status, link.external_id,
                  link.reason, link.updated_at) for link in links],
        timeline)


async def partner_cards(database: Database) -> list[PartnerCard]:
    async with database.sessions() as session:
        partners = list((await session.execute(
            select(PartnerRow).order_by(PartnerRow.partner_id))).scalars())
        accounts: dict[str, list[str]] = {}
        for row in (await session.execute(select(PartnerAccountRow).order_by(
                PartnerAccountRow.partner_id, PartnerAccountRow.account_id))).scalars():
            accounts.setdefault(row.partner_id, []).append(row.account_id)
    # the connector holds an address, a username and a secret reference: show only the first two
    return [PartnerCard(
        p.partner_id, p.name, p.status, p.connector_kind, p.vocabulary,
        p.connector.get("address"), p.vhost,
        users=[u for u in (p.connector.get("username"), p.partner_id if p.vhost else None) if u],
        accounts=accounts.get(p.partner_id, [])) for p in partners]


async def recent_orders(database: Database, limit: int = 12) -> list[OrderHeadRow]:
    async with database.sessions() as session:
        return list((await session.execute(
            select(OrderHeadRow).order_by(OrderHeadRow.updated_at.desc()).limit(limit)
        )).scalars())


async def outbox_backlog(database: Database) -> tuple[int, datetime | None]:
    """How many outbox messages wait to be published, and since when the oldest does."""
    async with database.sessions() as session:
        count, oldest = (await session.execute(
            select(func.count(), func.min(OutboxRow.created_at))
            .where(OutboxRow.sent_at.is_(None)))).one()
    return int(count), oldest


async def _revision(session: AsyncSession, row: OrderRow) -> Revision:
    items = {item["line_id"]: item for item in row.document.get("items", [])}
    lines = (await session.execute(
        select(OrderLineRow).where(OrderLineRow.order_id == row.order_id,
                                   OrderLineRow.revision == row.revision)
        .order_by(OrderLineRow.position))).scalars()
    return Revision(row.revision, row.kind, row.status, f"{row.total:.2f}", row.currency,
                    row.submitted_at, [_line(line, items.get(line.line_id, {})) for line in lines])


def _line(line: OrderLineRow, item: dict[str, Any]) -> Line:
    return Line(line.line_id, str(item.get("action", "")), str(item.get("product_name", "")),
                int(item.get("quantity", 1)), line.status, line.asset_id, line.reason)


async def _timeline(session: AsyncSession, key: str, value: str) -> list[Moment]:
    """Requests answered about ``value`` (from the inbox) and messages it caused (the outbox)."""
    moments: list[Moment] = []
    answered = (await session.execute(
        select(InboxRow).where(InboxRow.reply["result"][key].as_string() == value)
        .order_by(InboxRow.created_at).limit(TIMELINE_LIMIT))).scalars()
    for row in answered:
        moments += _exchange(row)
    # bodies are opaque bytes to the store: narrow with LIKE, then read each candidate
    candidates = (await session.execute(
        select(OutboxRow).where(_body_contains(session, value.encode()))
        .order_by(OutboxRow.id).limit(TIMELINE_LIMIT))).scalars()
    moments += [m for row in candidates if (m := _caused(row, key, value)) is not None]
    return sorted(moments, key=lambda m: m.at)


def _body_contains(session: AsyncSession, needle: bytes) -> ColumnElement[bool] | TextClause:
    if session.get_bind().dialect.name == "sqlite":
        return func.instr(OutboxRow.body, needle) > 0
    # PostgreSQL: position() is the bytea substring search (LIKE on bytea has no portable form)
    return text("position(:needle IN outbox.body) > 0").bindparams(
        bindparam("needle", needle, type_=LargeBinary))


def _exchange(row: InboxRow) -> list[Moment]:
    reply = row.reply or {}
    result = reply.get("result") or {}
    errors = ", ".join(e.get("code", "") for e in reply.get("errors") or [])
    detail = " ".join(filter(None, [str(reply.get("status", "")),
                                    str(result.get("status") or result.get("transfer_status")
                                        or ""), errors]))
    revision = result.get("revision")
    return [Moment(row.created_at, "request", row.operation, row.message_id, revision=revision),
            Moment(row.created_at, "reply", f"{row.operation}.reply", row.message_id, detail,
                   revision)]


def _caused(row: OutboxRow, key: str, value: str) -> Moment | None:
    kind = "event" if row.exchange == "hub.events" else "back office"
    published = row.sent_at is not None
    if row.content_type != "application/json":
        # back-office XML: the id must be a whole element value, not part of a longer one
        if f">{value}<".encode() not in row.body:
            return None
        return Moment(row.created_at, kind, row.routing_key, row.message_id, "", None,
                      row.correlation_id, published)
    try:
        document = json.loads(row.body)
    except ValueError:
        return None
    data = document.get("data", document) if isinstance(document, dict) else {}
    if not isinstance(data, dict) or data.get(key) != value:
        return None
    detail = str(data.get("status") or data.get("transfer_status") or "")
    revision = data.get("revision") if isinstance(data.get("revision"), int) else None
    return Moment(row.created_at, kind, row.routing_key, row.message_id, detail, revision,
                  row.correlation_id, published)
