"""The hub's HTTP side against the real broker and database: health, metrics, trace context."""

import asyncio

import httpx
import pytest
from aiohttp import web
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from hub.client import HubCaller
from hub.operations.health import Readiness
from hub.store.database import open_database
from tests.support.factories import a_line, an_order
from tests.support.hubs import running_hub
from tests.support.partners import SOAP_PARTNER, an_opportunity

pytestmark = pytest.mark.integration
pytest_plugins = ["tests.support.partner_fixtures"]

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


async def test_live_and_ready_answer_when_broker_and_database_do(hub):
    async with httpx.AsyncClient(base_url=hub.http.url) as http:
        live = await http.get("/health/live")
        ready = await http.get("/health/ready")
    assert live.status_code == 200
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "failing": [],
                            "checks": {"broker": "ok", "database": "ok"}}


async def test_ready_is_503_naming_the_broker_when_the_hubs_connection_is_down(fresh_hub):
    await fresh_hub.consumer.stop()  # this worker's own connection; the shared broker stays up
    async with httpx.AsyncClient(base_url=fresh_hub.http.url) as http:
        ready = await http.get("/health/ready")
        live = await http.get("/health/live")
    assert ready.status_code == 503
    assert ready.json()["failing"] == ["broker"]
    assert ready.json()["checks"]["database"] == "ok"
    assert live.status_code == 200


async def test_readiness_names_the_database_when_it_does_not_answer():
    closed_port = open_database("postgresql://postgres@127.0.0.1:1/nowhere")
    try:
        checks = await Readiness(broker=_answers, database=closed_port).check()
    finally:
        await closed_port.dispose()
    assert checks["broker"] == "ok"
    assert checks["database"].startswith("unavailable")


async def _answers() -> bool:
    return True


async def test_metrics_count_requests_by_operation_and_outcome(fresh_hub, caller: HubCaller):
    accepted = await caller.call("order.submit", an_order("ORD-M1"))
    refused = await caller.call("order.submit", an_order("ORD-M2", items=[]))
    assert (accepted.json()["status"], refused.json()["status"]) == ("accepted", "rejected")
    await caller.wait_for("order.rejected")

    async with httpx.AsyncClient(base_url=fresh_hub.http.url) as http:
        text = (await http.get("/metrics")).text
    samples = _samples(text)
    assert samples['hub_requests_total{operation="order.submit",outcome="accepted"}'] == 1
    assert samples['hub_requests_total{operation="order.submit",outcome="rejected"}'] == 1
    assert samples['hub_request_seconds_count{operation="order.submit"}'] == 2
    assert samples['hub_dead_letters{queue="asi.order.submit.dlq"}'] == 1
    assert samples['hub_dead_letters{queue="asi.order.get.dlq"}'] == 0
    assert "hub_outbox_pending" in samples and "hub_outbox_oldest_seconds" in samples
    # FastStream's own metrics share the registry
    assert any(name.startswith("faststream_received_messages_total") for name in samples)


async def test_traceparent_of_a_request_reaches_its_reply_events_and_back_office_work(
        hub, caller: HubCaller):
    reply = await caller.call("order.submit", an_order("ORD-T1", a_line("1")),
                              headers={"traceparent": TRACEPARENT})
    assert reply.json()["status"] == "accepted"
    for key in ("order.accepted", "billing.order", "provisioning.order"):
        await caller.wait_for(key, timeout=30)
    caused = [m for m in caller.seen if m.correlation_id == reply.correlation_id]
    assert {m.routing_key for m in caused} >= {"order.accepted", "billing.order",
                                              "provisioning.order"}
    for message in [reply, *caused]:
        assert _trace_of(message.headers) == TRACE_ID, message.routing_key


async def test_baggage_of_a_request_travels_with_its_reply_and_events(hub, caller: HubCaller):
    reply = await caller.call("order.submit", an_order("ORD-T3", a_line("1")),
                              headers={"traceparent": TRACEPARENT, "baggage": "tenant=acme"})
    accepted = await caller.wait_for("order.accepted", order_id="ORD-T3")
    for message in (reply, accepted[0]):
        assert message.headers.get("baggage") == "tenant=acme"
        assert _trace_of(message.headers) == TRACE_ID


async def test_a_request_without_trace_context_starts_a_new_trace(hub, caller: HubCaller):
    reply = await caller.call("order.submit", an_order("ORD-T2"))
    accepted = await caller.wait_for("order.accepted", order_id="ORD-T2")
    trace_id = _trace_of(accepted[0].headers)
    assert trace_id and trace_id != "0" * 32
    assert _trace_of(reply.headers) == trace_id


async def test_a_soap_partner_call_carries_the_requests_trace_and_is_measured(
        channel_hub, caller: HubCaller, soap_crm):
    transfer = {"opportunity": an_opportunity("OPP-T1"), "partner_id": SOAP_PARTNER}
    reply = await caller.call("opportunity.transfer", transfer,
                              headers={"traceparent": TRACEPARENT})
    assert reply.json()["status"] == "accepted"
    state = soap_crm[1]
    assert state.traceparents and all(
        value is not None and value.split("-")[1] == TRACE_ID for value in state.traceparents)

    async with httpx.AsyncClient(base_url=channel_hub.http.url) as http:
        samples = _samples((await http.get("/metrics")).text)
    assert samples[f'hub_partner_calls_total{{outcome="ok",partner="{SOAP_PARTNER}"}}'] == 1
    assert samples[f'hub_partner_call_seconds_count{{partner="{SOAP_PARTNER}"}}'] == 1


async def test_spans_are_exported_over_otlp_when_an_endpoint_is_set(settings, caller):
    received: list[ExportTraceServiceRequest] = []

    async def collect(request: web.Request) -> web.Response:
        export = ExportTraceServiceRequest()
        export.ParseFromString(await request.read())
        received.append(export)
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/v1/traces", collect)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        traced = settings.model_copy(update={"otlp_endpoint": f"http://127.0.0.1:{port}"})
        async with running_hub(traced) as hub:
            await caller.call("order.submit", an_order("ORD-T3"),
                              headers={"traceparent": TRACEPARENT})
            # the exporter posts from its own thread; the collector answers on this loop
            assert await asyncio.to_thread(hub.tracing.force_flush)
        spans = [span for export in received for resource in export.resource_spans
                 for scope in resource.scope_spans for span in scope.spans]
    finally:
        await runner.cleanup()
    assert spans, "the collector received no span"
    assert TRACE_ID in {span.trace_id.hex() for span in spans}
    services = {attr.value.string_value for export in received
                for resource in export.resource_spans for attr in resource.resource.attributes
                if attr.key == "service.name"}
    assert services == {"order-hub"}


def _trace_of(headers: dict) -> str | None:
    value = headers.get("traceparent")
    return None if value is None else str(value).split("-")[1]


def _samples(exposition: str) -> dict[str, float]:
    samples = {}
    for line in exposition.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return samples
