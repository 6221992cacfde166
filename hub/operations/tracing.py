"""Trace context: W3C ``traceparent`` in, on every message and partner call out, spans to OTLP.

With an OTLP endpoint, FastStream's telemetry middleware records a span for every message
consumed and published. Without one, spans would be built and thrown away (about a fifth of
a worker's CPU per order, measured): :class:`TraceContext` then carries the context alone,
so that a request's trace still reaches its reply, its events and its back-office work, and a
request without one still starts a trace of its own.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from faststream import BaseMiddleware
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator

SERVICE_NAME = "order-hub"


def tracer_provider(otlp_endpoint: str | None) -> TracerProvider:
    """The worker's tracer provider; it exports over OTLP/HTTP only when an endpoint is set."""
    provider = TracerProvider(resource=Resource.create({"service.name": SERVICE_NAME}))
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter(endpoint=f"{otlp_endpoint.rstrip('/')}/v1/traces")
        provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def trace_headers() -> dict[str, str]:
    """The current trace context as message or HTTP headers (empty outside any trace)."""
    headers: dict[str, str] = {}
    propagate.inject(headers)
    return headers


_IDS = RandomIdGenerator()


class TraceContext:
    """Builds the per-message middleware that carries W3C trace context without spans."""

    def __call__(self, msg: Any, /, *, context: Any) -> BaseMiddleware:
        return _Carried(msg, context=context)


class _Carried(BaseMiddleware):
    """Consuming: the request's trace (or a new one) and baggage are current, under a span id
    of its own. Publishing (the reply, after the handler returned): that context goes in the
    headers."""

    def __init__(self, msg: Any, /, *, context: Any) -> None:
        super().__init__(msg, context=context)
        self._context: otel_context.Context | None = None

    async def consume_scope(self, call_next: Callable[[Any], Awaitable[Any]], msg: Any) -> Any:
        # the configured propagators: W3C trace context and baggage
        received = propagate.extract(msg.headers)
        parent = trace.get_current_span(received).get_span_context()
        here = trace.SpanContext(
            trace_id=parent.trace_id if parent.is_valid else _IDS.generate_trace_id(),
            span_id=_IDS.generate_span_id(), is_remote=False,
            trace_flags=parent.trace_flags if parent.is_valid else trace.TraceFlags(
                trace.TraceFlags.SAMPLED))
        self._context = trace.set_span_in_context(trace.NonRecordingSpan(here), received)
        token = otel_context.attach(self._context)
        try:
            return await call_next(msg)
        finally:
            otel_context.detach(token)

    async def publish_scope(self, call_next: Callable[[Any], Awaitable[Any]], msg: Any) -> Any:
        propagate.inject(msg.headers, context=self._context)
        return await call_next(msg)
