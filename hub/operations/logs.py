"""The hub's log lines, as text or JSON, each with its trace and correlation ids."""

import logging
import sys
from contextvars import ContextVar
from typing import TextIO

from opentelemetry import trace
from pythonjsonlogger.json import JsonFormatter

# the correlation id of the request being handled (set by the request observer)
correlation_id: ContextVar[str | None] = ContextVar("hub_correlation_id", default=None)

TEXT_FORMAT = ("%(asctime)s %(levelname)s %(name)s [trace=%(trace_id)s "
               "correlation=%(correlation_id)s] %(message)s")
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(trace_id)s %(span_id)s %(correlation_id)s"


class TraceIds(logging.Filter):
    """Stamps every record with the current trace, span and correlation ids."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = trace.get_current_span().get_span_context()
        record.trace_id = format(context.trace_id, "032x") if context.is_valid else None
        record.span_id = format(context.span_id, "016x") if context.is_valid else None
        record.correlation_id = correlation_id.get()
        return True


def configure_logging(level: str, log_format: str, stream: TextIO = sys.stderr) -> None:
    """Send the root logger's records to ``stream`` as text lines or JSON objects."""
    handler = logging.StreamHandler(stream)
    handler.addFilter(TraceIds())
    if log_format == "json":
        handler.setFormatter(JsonFormatter(JSON_FIELDS, rename_fields={
            "asctime": "time", "levelname": "level", "name": "logger"}))
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=level, handlers=[handler], force=True)
