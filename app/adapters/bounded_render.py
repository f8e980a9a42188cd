"""Run a merchant template's render in a forked child with a hard time, memory and size budget.

A template can loop in C (``range``, ``join``, string building) where no check between Jinja
nodes runs, or allocate gigabytes. The render therefore runs in a child process forked from the
caller (nothing is imported again: the compiled template is inherited), with ``RLIMIT_AS`` and
``RLIMIT_CPU`` set, streams its output back through a pipe, and is killed with SIGKILL at the
deadline. The caller (a web request or a worker task) is never blocked for longer than the budget.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import select
import signal
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NoReturn

_CHUNK = 65536
_OK, _FAILED, _TOO_LARGE = b"o", b"f", b"l"


@dataclass(frozen=True)
class RenderBudget:
    """Wall-clock seconds, bytes of output (UTF-8) and extra address space for one render."""

    seconds: float = 2.0
    max_bytes: int = 1_048_576
    memory_bytes: int = 268_435_456


class RenderTooSlow(Exception):
    """The render did not finish within the budget's seconds (the child was killed)."""


class RenderTooLarge(Exception):
    """The output or the memory the render needed is over the budget."""


class RenderFailed(Exception):
    """The render raised one of the expected errors; the message is safe to show."""


def render_bounded(
    chunks: Callable[[], Iterable[str]],
    budget: RenderBudget,
    explain: Callable[[BaseException], str],
    expected: tuple[type[BaseException], ...],
) -> str:
    """Join ``chunks()`` (e.g. ``template.generate(variables)``) computed in a forked child.

    ``expected`` errors become RenderFailed with ``explain(error)`` (computed in the child, where
    the traceback is); a MemoryError or output over ``max_bytes`` becomes RenderTooLarge.
    """
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_fd)
        _child(write_fd, chunks, budget, explain, expected)
    os.close(write_fd)
    try:
        raw = _read_until(read_fd, time.monotonic() + budget.seconds, budget.max_bytes + 1)
    finally:
        os.close(read_fd)
        _reap(pid)
    return _decode(raw)


def _child(
    write_fd: int,
    chunks: Callable[[], Iterable[str]],
    budget: RenderBudget,
    explain: Callable[[BaseException], str],
    expected: tuple[type[BaseException], ...],
) -> NoReturn:
    status = 0
    try:
        _limit_resources(budget)
        message = _OK + _collect(chunks, budget.max_bytes).encode("utf-8")
    except MemoryError:
        message = _TOO_LARGE
    except RenderTooLarge:
        message = _TOO_LARGE
    except expected as error:
        message = _FAILED + json.dumps(explain(error)).encode()
    except BaseException:
        status = 1
        message = b""
    try:
        with os.fdopen(write_fd, "wb") as out:
            out.write(message)
    finally:
        os._exit(status)  # no atexit handlers, no flushing the parent's buffers twice


def _collect(chunks: Callable[[], Iterable[str]], max_bytes: int) -> str:
    parts: list[str] = []
    size = 0
    for chunk in chunks():
        size += len(chunk.encode("utf-8"))
        if size > max_bytes:
            raise RenderTooLarge
        parts.append(chunk)
    return "".join(parts)


def _limit_resources(budget: RenderBudget) -> None:
    """Address space: what the forked child already maps plus the budget; CPU as a backstop."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        mapped = int(statm.read().split()[0]) * resource.getpagesize()
    limit = mapped + budget.memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    cpu = int(budget.seconds) + 2
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))


def _read_until(read_fd: int, deadline: float, limit: int) -> bytes:
    received = bytearray()
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise RenderTooSlow
        ready, _, _ = select.select([read_fd], [], [], remaining)
        if not ready:
            raise RenderTooSlow
        chunk = os.read(read_fd, _CHUNK)
        if not chunk:
            return bytes(received)
        received += chunk
        if len(received) > limit + 1:  # the status byte and the output
            raise RenderTooLarge


def _reap(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def _decode(raw: bytes) -> str:
    status, body = raw[:1], raw[1:]
    if status == _OK:
        return body.decode("utf-8")
    if status == _TOO_LARGE:
        raise RenderTooLarge
    if status == _FAILED:
        raise RenderFailed(str(json.loads(body)))
    raise RenderFailed("the template could not be rendered")
