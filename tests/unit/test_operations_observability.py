"""Log lines carry trace and correlation ids; the Grafana dashboard asks only for real metrics."""

import io
import json
import logging
import re
from pathlib import Path

from opentelemetry.sdk.trace import TracerProvider

from hub.operations.logs import configure_logging, correlation_id
from hub.operations.metrics import HubMetrics
from hub.operations.tracing import trace_headers

DASHBOARD = Path(__file__).parents[2] / "ops" / "grafana" / "dashboards" / "order-hub.json"


def test_json_log_lines_carry_the_trace_and_correlation_ids():
    stream = io.StringIO()
    configure_logging("INFO", "json", stream)
    tracer = TracerProvider().get_tracer("test")
    token = correlation_id.set("corr-7")
    try:
        with tracer.start_as_current_span("work") as span:
            logging.getLogger("hub.test").info("order %s accepted", "ORD-1")
            expected = format(span.get_span_context().trace_id, "032x")
    finally:
        correlation_id.reset(token)
        logging.basicConfig(force=True)
    line = json.loads(stream.getvalue().splitlines()[-1])
    assert line["message"] == "order ORD-1 accepted"
    assert line["trace_id"] == expected
    assert line["correlation_id"] == "corr-7"
    assert line["level"] == "INFO" and line["logger"] == "hub.test"


def test_text_log_lines_name_the_trace_too():
    stream = io.StringIO()
    configure_logging("INFO", "text", stream)
    try:
        logging.getLogger("hub.test").warning("outside any request")
    finally:
        logging.basicConfig(force=True)
    assert "[trace=None correlation=None] outside any request" in stream.getvalue()


def test_trace_headers_are_the_current_w3c_trace_context():
    assert trace_headers() == {}
    with TracerProvider().get_tracer("test").start_as_current_span("work") as span:
        headers = trace_headers()
    trace_id = format(span.get_span_context().trace_id, "032x")
    assert re.fullmatch(rf"00-{trace_id}-[0-9a-f]{{16}}-[0-9a-f]{{2}}", headers["traceparent"])


def test_the_dashboard_queries_only_metrics_the_hub_exposes():
    metrics = HubMetrics()
    metrics.faststream_middleware()
    exposed = {metric.name for metric in metrics.registry.collect()}
    exposed |= {f"{name}{suffix}" for name in exposed for suffix in ("_total", "_bucket")}
    queries = [target["expr"] for panel in json.loads(DASHBOARD.read_text())["panels"]
               for target in panel["targets"]]
    used = {name for query in queries for name in re.findall(r"\b(?:hub|faststream)_\w+", query)}
    assert used and used <= exposed, used - exposed
