"""One back-off for everything that retries for days: the sensor link, the outbox, the warnings.

Why one: each had its own `first * 2 ** (attempt - 1)`, capped only after the power was taken.
At the 1,025th failure in a row the power overflows a float (OverflowError) - about 11 hours of a
sensor out of range, a day of a push service that is down - and it was raised outside every
`try`, so the collector, or a warning channel's thread, ended. Here the exponent is bounded before
the power is taken: any attempt number, 10**6 included, gives a delay between `base_s` and
`cap_s`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """Retry delays: base_s, 2·base_s, 4·base_s ... capped at cap_s, for any attempt number."""

    base_s: float
    cap_s: float

    def __post_init__(self) -> None:
        if not 0 < self.base_s <= self.cap_s:
            raise ValueError(f"back-off needs 0 < base_s <= cap_s, got {self.base_s}, {self.cap_s}")

    @property
    def doublings(self) -> int:
        """How many doublings reach the cap; more are never needed."""
        return math.ceil(math.log2(self.cap_s / self.base_s))

    def delay_s(self, attempt: int) -> float:
        """Seconds to wait after the `attempt`-th failure in a row (1, 2, ...)."""
        exponent = min(max(attempt - 1, 0), self.doublings)
        return min(self.cap_s, self.base_s * 2.0**exponent)
