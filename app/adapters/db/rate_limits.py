"""Fixed-window request counters in the app's database, so every gunicorn process (and every
host of a deployment) shares one count per key: the vendor portal and the vendor API."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import Engine, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from app.adapters.db import tables

MAX_KEY_LENGTH = 200


class SqlRateLimiter:
    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self._engine = engine
        self._clock = clock

    def allow(self, key: str, limit: int, window_seconds: int) -> bool:
        """One upsert and one read in a short transaction of its own."""
        table = tables.rate_limit_windows
        window = int(self._clock()) // window_seconds * window_seconds
        key = key[:MAX_KEY_LENGTH]
        dialect = postgresql if self._engine.dialect.name == "postgresql" else sqlite
        upsert = dialect.insert(table).values(key=key, window_start=window, hits=1)
        upsert = upsert.on_conflict_do_update(
            index_elements=[table.c.key, table.c.window_start],
            set_={"hits": table.c.hits + 1},
        )
        with self._engine.begin() as connection:
            connection.execute(upsert)
            hits = connection.execute(
                select(table.c.hits).where(table.c.key == key, table.c.window_start == window)
            ).scalar_one()
        return int(hits) <= limit

    def prune(self, older_than_seconds: int) -> int:
        table = tables.rate_limit_windows
        cut_off = int(self._clock()) - older_than_seconds
        with self._engine.begin() as connection:
            result = connection.execute(delete(table).where(table.c.window_start < cut_off))
        return int(result.rowcount or 0)
