"""Watching every request the hub consumes: its outcome and latency, and its correlation id in logs."""

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from faststream import BaseMiddleware
from faststream.rabbit import RabbitResponse

from hub.operations.logs import correlation_id
from hub.operations.metrics import HubMetrics


class RequestObserver:
    """Builds the per-message middleware that records ``hub_requests_total`` and its latency."""

    def __init__(self, metrics: HubMetrics) -> None:
        self.metrics = metrics

    def __call__(self, msg: Any, /, *, context: Any) -> BaseMiddleware:
        return _Observed(msg, context=context, metrics=self.metrics)


class _Observed(BaseMiddleware):
    def __init__(self, msg: Any, /, *, context: Any, metrics: HubMetrics) -> None:
        super().__init__(msg, context=context)
        self.metrics = metrics

    async def consume_scope(self, call_next: Callable[[Any], Awaitable[Any]], msg: Any) -> Any:
        token = correlation_id.set(msg.correlation_id)
        started = time.perf_counter()
        operation = msg.raw_message.routing_key or "unknown"
        try:
            result = await call_next(msg)
        except Exception:
            # requeued for another attempt (or a subscriber outside the ASIs failed)
            self.metrics.request(operation, "failed", time.perf_counter() - started)
            raise
        finally:
            correlation_id.reset(token)
        reply_type = (result.message_options.get("message_type")
                      if isinstance(result, RabbitResponse) else None)
        if reply_type:
            operation, outcome = reply_type.removesuffix(".reply"), _status(result)
        else:
            outcome = "handled"
        self.metrics.request(operation, outcome, time.perf_counter() - started)
        return result


def _status(reply: RabbitResponse) -> str:
    try:
        return str(json.loads(reply.body)["status"])
    except (ValueError, TypeError, KeyError):
        return "unknown"
