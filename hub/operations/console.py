"""The hub's HTTP face: health, Prometheus metrics and the operations console (server-rendered)."""

import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote

from faststream.asgi import AsgiFastStream, AsgiResponse, Request, get, post
from faststream.asgi.response import JSONResponse
from faststream.asgi.types import Receive, Scope, Send
from jinja2 import Environment, PackageLoader, select_autoescape

from hub.dead_letters import list_dead_letters, replay_dead_letters
from hub.operations import records
from hub.operations.health import Readiness
from hub.operations.metrics import HubMetrics, age_seconds
from hub.store.database import Database

PAGES = Environment(loader=PackageLoader("hub.operations", "templates"),
                    autoescape=select_autoescape(default=True, default_for_string=True))
LETTERS_SHOWN = 50
log = logging.getLogger("hub.console")


@dataclass(frozen=True)
class Glance:
    outbox_pending: int
    outbox_oldest_seconds: float
    dead_letters: dict[str, int]


@dataclass
class Operations:
    """What the console and the health checks read: the store, the broker, the metrics."""

    database: Database
    metrics: HubMetrics
    readiness: Readiness
    amqp_url: str
    operations: Callable[[], list[str]]
    dead_letter_counts: Callable[[], Awaitable[dict[str, int]]]
    console_token: str | None = None

    async def glance(self) -> "Glance":
        """Outbox backlog and dead-letter depths, read now and set on the gauges."""
        pending, oldest = await records.outbox_backlog(self.database)
        self.metrics.outbox(pending, oldest)
        try:
            depths = await self.dead_letter_counts()
        except Exception as exc:  # noqa: BLE001 - the broker is down: readiness says so
            log.warning("dead-letter depths unavailable: %r", exc)
            depths = {}
        self.metrics.queues(depths)
        return Glance(pending, 0.0 if oldest is None else age_seconds(oldest), depths)

    def may_replay(self, token: str) -> bool:
        return bool(self.console_token) and hmac.compare_digest(
            token.encode(), str(self.console_token).encode())


class ConsoleApp(AsgiFastStream):
    """FastStream's ASGI app, with the console's own page for addresses it does not serve."""

    async def not_found(self, scope: Scope, receive: Receive, send: Send) -> None:
        await page("missing.html", 404, what="page", value=scope.get("path", ""))(
            scope, receive, send)


def page(template: str, status: int = 200, **values: Any) -> AsgiResponse:
    html = PAGES.get_template(template).render(**values)
    return AsgiResponse(html.encode(), status, {"content-type": "text/html; charset=utf-8"})


def redirect(location: str) -> AsgiResponse:
    return AsgiResponse(b"", 303, {"location": location})


def operations_app(ops: Operations) -> ConsoleApp:
    """Every route the hub serves over HTTP on ``HUB_HTTP_ADDR``."""

    @get(description="The process is up")
    async def live(request: Request) -> AsgiResponse:
        return JSONResponse({"status": "alive"})

    @get(description="Broker and database answer; 503 names what does not")
    async def ready(request: Request) -> AsgiResponse:
        checks = await ops.readiness.check()
        failing = sorted(name for name, state in checks.items() if state != "ok")
        return JSONResponse({"status": "unavailable" if failing else "ready",
                             "failing": failing, "checks": checks}, 503 if failing else 200)

    @get(description="Prometheus exposition of the hub's and FastStream's metrics")
    async def metrics(request: Request) -> AsgiResponse:
        await ops.glance()
        return AsgiResponse(ops.metrics.exposition(),
                            headers={"content-type": "text/plain; version=0.0.4; charset=utf-8"})

    @get(include_in_schema=False)
    async def home(request: Request) -> AsgiResponse:
        return page("home.html", totals=ops.metrics.totals(), glance=await ops.glance(),
                    orders=await records.recent_orders(ops.database),
                    checks=await ops.readiness.check())

    @get(include_in_schema=False)
    async def search(request: Request) -> AsgiResponse:
        wanted = _one(request, "q").strip()
        # only which kind of record it is: the story is read once, by the page it leads to
        if wanted and (kind := await records.known(ops.database, wanted)) is not None:
            return redirect(f"/{kind}?id={quote(wanted, safe='')}")
        return page("missing.html", 404, what="order or opportunity", value=wanted)

    @get(include_in_schema=False)
    async def order(request: Request) -> AsgiResponse:
        wanted = _one(request, "id")
        story = await records.order_story(ops.database, wanted)
        if story is None:
            return page("missing.html", 404, what="order", value=wanted)
        return page("order.html", order=story)

    @get(include_in_schema=False)
    async def opportunity(request: Request) -> AsgiResponse:
        wanted = _one(request, "id")
        story = await records.opportunity_story(ops.database, wanted)
        if story is None:
            return page("missing.html", 404, what="opportunity", value=wanted)
        return page("opportunity.html", opportunity=story)

    @get(include_in_schema=False)
    async def dead_letters(request: Request) -> AsgiResponse:
        depths = (await ops.glance()).dead_letters
        letters = {queue: await list_dead_letters(ops.amqp_url, _operation(queue), LETTERS_SHOWN)
                   for queue, depth in depths.items() if depth}
        return page("dead_letters.html", depths=depths, letters=letters,
                    may_replay=bool(ops.console_token), replayed=_one(request, "replayed"),
                    replayed_from=_one(request, "from"))

    @post(include_in_schema=False)
    async def replay(request: Request) -> AsgiResponse:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        operation = form.get("operation", "")
        if not ops.may_replay(form.get("token", "")):
            return page("refused.html", 403, configured=bool(ops.console_token))
        if operation not in ops.operations():
            return page("missing.html", 404, what="dead-letter queue", value=operation)
        count = await replay_dead_letters(ops.amqp_url, operation,
                                          message_id=form.get("message_id") or None)
        return redirect(f"/dead-letters?replayed={count}&from={quote(operation, safe='')}")

    @get(include_in_schema=False)
    async def partners(request: Request) -> AsgiResponse:
        return page("partners.html", partners=await records.partner_cards(ops.database))

    return ConsoleApp(asgi_routes=[
        ("/health/live", live), ("/health/ready", ready), ("/metrics", metrics),
        ("/", home), ("/search", search), ("/order", order), ("/opportunity", opportunity),
        ("/dead-letters", dead_letters), ("/dead-letters/replay", replay),
        ("/partners", partners),
    ])


def _one(request: Any, name: str) -> str:
    return (request.query_params.get(name) or [""])[0]


def _operation(queue: str) -> str:
    return queue.removeprefix("asi.").removesuffix(".dlq")
