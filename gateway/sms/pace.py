"""A ceiling on sends per second, shared by every worker of a provider link: what an operator's contract allows,
and a cap on what a flood of replies can cost."""

from __future__ import annotations

import threading
import time

import redis


class Pace:
    """At most ``rate`` sends a second: a Redis counter per second shared by all workers when Redis answers,
    this process's own count otherwise. ``rate`` 0 means no ceiling."""

    def __init__(self, rate: int, client: redis.Redis | None, key: str) -> None:
        self.rate, self.client, self.key = rate, client, key
        self._lock = threading.Lock()
        self._second, self._count = 0, 0

    def wait(self) -> None:
        """Return when one more send fits this second's ceiling (sleeping into the next second if not)."""
        if self.rate <= 0:
            return
        while True:
            second = int(time.time())
            if self._take(second):
                return
            time.sleep(max(second + 1 - time.time(), 0.001))  # the next second has room again

    def _take(self, second: int) -> bool:
        if self.client is not None:
            try:
                key = f"{self.key}:{second}"
                with self.client.pipeline() as pipe:
                    pipe.incr(key)
                    pipe.expire(key, 5)
                    count, _ = pipe.execute()
                return int(count) <= self.rate
            except redis.RedisError:
                pass  # without Redis, this process keeps its own count
        with self._lock:
            if second != self._second:
                self._second, self._count = second, 0
            self._count += 1
            return self._count <= self.rate
