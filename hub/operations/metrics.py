"""The hub's Prometheus metrics: business ones beside FastStream's, in one registry per worker."""

from datetime import UTC, datetime

from faststream.rabbit.prometheus import RabbitPrometheusMiddleware
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class HubMetrics:
    """Counters the hub updates as it works, and gauges refreshed when Prometheus scrapes."""

    def __init__(self) -> None:
        self.registry = registry = CollectorRegistry()
        self.requests = Counter(
            "hub_requests", "ASI requests handled, by operation and reply status",
            ["operation", "outcome"], registry=registry)
        self.request_seconds = Histogram(
            "hub_request_seconds", "Time to answer an ASI request", ["operation"],
            buckets=LATENCY_BUCKETS, registry=registry)
        self.outbox_pending = Gauge(
            "hub_outbox_pending", "Outbox messages committed but not yet published",
            registry=registry)
        self.outbox_age = Gauge(
            "hub_outbox_oldest_seconds", "Age of the oldest unpublished outbox message",
            registry=registry)
        self.dead_letters = Gauge(
            "hub_dead_letters", "Messages waiting in each dead-letter queue", ["queue"],
            registry=registry)
        self.partner_call_seconds = Histogram(
            "hub_partner_call_seconds", "Time of one call to a partner CRM, retries included",
            ["partner"], buckets=LATENCY_BUCKETS, registry=registry)
        self.partner_calls = Counter(
            "hub_partner_calls", "Calls to partner CRMs by outcome (ok or the failure code)",
            ["partner", "outcome"], registry=registry)

        self.backoffice_dropped = Counter(
            "hub_backoffice_dropped_answers", "Back-office answers for no call in progress "
            "(unknown or expired correlation), dropped", registry=registry)

    def faststream_middleware(self) -> RabbitPrometheusMiddleware:
        """FastStream's own consume/publish metrics, in the same registry."""
        return RabbitPrometheusMiddleware(registry=self.registry, app_name="order-hub")

    def request(self, operation: str, outcome: str, seconds: float) -> None:
        self.requests.labels(operation, outcome).inc()
        self.request_seconds.labels(operation).observe(seconds)

    def partner_call(self, partner: str, outcome: str, seconds: float) -> None:
        self.partner_calls.labels(partner, outcome).inc()
        self.partner_call_seconds.labels(partner).observe(seconds)

    def outbox(self, pending: int, oldest: datetime | None) -> None:
        self.outbox_pending.set(pending)
        self.outbox_age.set(0 if oldest is None else age_seconds(oldest))

    def queues(self, depths: dict[str, int]) -> None:
        for queue, depth in depths.items():
            self.dead_letters.labels(queue).set(depth)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    def totals(self) -> dict[str, dict[str, float]]:
        """Requests so far by operation, then by outcome: the console's glance."""
        seen: dict[str, dict[str, float]] = {}
        for metric in self.requests.collect():
            for sample in metric.samples:
                if sample.name == "hub_requests_total":
                    by_outcome = seen.setdefault(sample.labels["operation"], {})
                    by_outcome[sample.labels["outcome"]] = sample.value
        return dict(sorted(seen.items()))


def age_seconds(moment: datetime) -> float:
    """Seconds since ``moment``."""
    return max(0.0, (datetime.now(UTC) - moment).total_seconds())

