"""How long committed messages wait before the broker confirms them: the relay's lag."""

import random
from dataclasses import dataclass, field

_SAMPLE = 10_000  # a uniform sample of this many lags keeps memory flat over any run


@dataclass
class LagGauge:
    """Count, maximum and percentiles (from a reservoir sample) of lags in seconds."""

    count: int = 0
    maximum: float = 0.0
    _sample: list[float] = field(default_factory=list)
    _random: random.Random = field(default_factory=lambda: random.Random(11))

    def record(self, seconds: float) -> None:
        self.count += 1
        self.maximum = max(self.maximum, seconds)
        if len(self._sample) < _SAMPLE:
            self._sample.append(seconds)
        elif (slot := self._random.randrange(self.count)) < _SAMPLE:
            self._sample[slot] = seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self._sample)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else 0.0

    def summary(self) -> str:
        return (f"{self.count} messages, p50 {self.percentile(0.5) * 1000:.0f} ms, "
                f"p99 {self.percentile(0.99) * 1000:.0f} ms, max {self.maximum * 1000:.0f} ms")
