"""One run's figures: how many requests, how long, and each request's latency."""

from dataclasses import dataclass


@dataclass
class Result:
    name: str
    count: int
    seconds: float
    latencies: list[float]
    failed: int = 0

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    def percentile(self, p: float) -> float:
        """The latency at quantile ``p``, in milliseconds."""
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000
