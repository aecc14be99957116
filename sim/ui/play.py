"""Play's pace: how many simulated days to advance before the next render.

A day of 2,000 members steps in a millisecond or two; drawing the panels takes a tenth of a
second or more. Rendering after every day would tie the simulation's speed to the cost of
drawing, so Play holds a chosen speed in simulated days per second of wall time instead:
each frame advances the days that came due while the previous frame rendered (one at a
time when rendering is quick), and waits when it is ahead.
"""

from __future__ import annotations

import time
from typing import Callable

MAX_LAG_SECONDS = 1.0  # behind by more than this (a slow render), Play lets the lag go rather than jump


class Pace:
    """Days due at `speed` days a second since Play started (or the speed last changed)."""

    def __init__(self, speed: float, clock: Callable[[], float] = time.perf_counter):
        self.clock, self.speed, self.shown = clock, float(speed), 0
        self._start = clock()

    def set_speed(self, speed: float) -> None:
        """A new speed counts from now: the next day is due at once."""
        if speed != self.speed:
            self.speed = float(speed)
            self._start = self.clock() - self.shown / self.speed

    def due(self) -> int:
        """Days to advance now: the first at once, then one per 1/speed seconds, at most
        MAX_LAG_SECONDS' worth at a time."""
        owed = int((self.clock() - self._start) * self.speed) + 1 - self.shown
        most = max(1, int(self.speed * MAX_LAG_SECONDS))
        if owed > most:
            self._start += (owed - most) / self.speed
            owed = most
        return max(owed, 0)

    def wait(self) -> float:
        """Seconds until the next day is due."""
        return max(0.0, self._start + self.shown / self.speed - self.clock())

    def advanced(self, days: int) -> None:
        self.shown += days
