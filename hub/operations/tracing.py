"""Trace context: W3C ``traceparent`` in, on every message and partner call out, spans to OTLP."""

from opentelemetry import propagate
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

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
