"""The audit trail. Call :func:`dgov.audit.record` from any service."""

from typing import Any


def record(**kwargs: Any) -> Any:
    """See :func:`dgov.audit.services.record` (imported lazily so apps can load first)."""
    from dgov.audit.services import record as _record

    return _record(**kwargs)
