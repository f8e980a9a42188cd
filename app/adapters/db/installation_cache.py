"""A per-process, short-lived cache of active installations by API URL.

Every webhook and dashboard request looks its installation up by ``Saleor-Api-Url``; the row
changes only on install, key rotation and removal. Writes in this process clear the cache on
commit; another process sees a change after at most ``ttl_seconds``. That delay is harmless:
the worker re-reads the installation by id (uncached) before using its token, and signed
dashboard contexts are re-checked by id on every request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from app.domain.installations import Installation


class InstallationCache:
    def __init__(self, ttl_seconds: float = 5.0, clock: Callable[[], float] = time.monotonic):
        self._ttl = ttl_seconds
        self._clock = clock
        self._entries: dict[str, tuple[float, Installation]] = {}
        self._lock = threading.Lock()

    def get(self, api_url: str) -> Installation | None:
        entry = self._entries.get(api_url)
        if entry is None or entry[0] < self._clock():
            return None
        return entry[1]

    def put(self, installation: Installation) -> None:
        with self._lock:
            self._entries[installation.saleor_api_url] = (self._clock() + self._ttl, installation)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
