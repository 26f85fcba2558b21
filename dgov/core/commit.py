"""Work to do once the current transaction commits, whatever happens to it afterwards.

Django runs a robust on-commit callback in a try block and logs a failure with the callback's
``__qualname__``; a ``functools.partial`` has none, so a failing partial turned into an
AttributeError that escaped the request (a 500 after the data had been committed). Callbacks
are therefore wrapped in a named function here, and a failure is logged and swallowed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction


def after_commit(func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Call ``func(*args, **kwargs)`` after the transaction commits (robust: a failure is logged)."""

    def run() -> None:
        func(*args, **kwargs)

    run.__qualname__ = getattr(func, "__qualname__", repr(func))
    run.__name__ = getattr(func, "__name__", "after_commit")
    transaction.on_commit(run, robust=True)
