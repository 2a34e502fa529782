"""Jinja's sandbox with bounds (provisional: replaced by the bounded sandbox work)."""

from __future__ import annotations

from typing import Any

from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

# Bounds for what a template may build in memory with * and ** (user templates are untrusted).
MAX_BUILT_LENGTH = 1_000_000
MAX_EXPONENT = 10_000


class BoundedSandbox(SandboxedEnvironment):
    """Jinja's sandbox, with * and ** bounded so a template cannot build a huge value."""

    intercepted_binops = frozenset(["*", "**"])

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(times, int):
                    if len(seq) * times > MAX_BUILT_LENGTH:
                        raise SecurityError("a template tried to build a value too large")
        if operator == "**" and isinstance(right, (int, float)) and abs(right) > MAX_EXPONENT:
            raise SecurityError("a template tried to compute a power too large")
        return super().call_binop(context, operator, left, right)


# --- provisional: the time bound and the bounded module evaluation (moved from render.py) ---
import signal  # noqa: E402
import threading  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from typing import TypeVar  # noqa: E402

from jinja2 import Template  # noqa: E402
from jinja2.environment import TemplateModule  # noqa: E402

RENDER_SECONDS = 10.0
T = TypeVar("T")


class RenderTimeout(Exception):
    """Raised inside a render that ran past its time bound."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block after `seconds` (where the platform has SIGALRM, main thread)."""
    if (
        not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return
    if signal.getitimer(signal.ITIMER_REAL)[0] > 0:  # already bounded by an outer block
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise RenderTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_bounded(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    with time_limit(RENDER_SECONDS):
        return func(*args, **kwargs)


def make_module(template: Template, context: dict[str, Any], limit: int) -> TemplateModule:
    """Evaluate a template as a module, stopping if its output grows past `limit` characters."""
    from breakup.errors import TemplateError

    ctx = template.new_context(context)
    chunks: list[str] = []
    size = 0
    for chunk in template.root_render_func(ctx):
        size += len(chunk)
        if size > limit:
            raise TemplateError(f"{template.name}: the output grew past {limit:,} characters")
        chunks.append(chunk)
    return TemplateModule(template, ctx, chunks)
