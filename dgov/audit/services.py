"""Writing to the audit trail: the one function every app calls."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from dgov.audit.chain import content_of, digest_of
from dgov.audit.models import AuditEvent, ChainHead
from dgov.core.logging import redact

SYSTEM_LABEL = "system"


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def _target_parts(target: Any) -> tuple[str, str]:
    if target is None:
        return "", ""
    if isinstance(target, models.Model):
        return target._meta.label_lower, str(target.pk)
    if isinstance(target, tuple) and len(target) == 2:
        return str(target[0]), str(target[1])
    raise TypeError("target must be a model instance, a (type, id) pair or None")


def _scrub(detail: Any) -> Any:
    """Personal data never enters the trail in clear: ID and phone numbers are masked."""
    if isinstance(detail, str):
        return redact(detail)
    if isinstance(detail, dict):
        return {str(k): _scrub(v) for k, v in detail.items()}
    if isinstance(detail, list | tuple):
        return [_scrub(v) for v in detail]
    return detail


# The head this connection's current transaction last wrote, so its next append needs no locking
# read (a submission appends two or three records). Tied to the connection's on-commit list,
# which Django replaces at every commit, rollback and savepoint rollback: a remembered head is
# used only within the transaction (and savepoint) that wrote it, and then only through a
# compare-and-set (see record), so a wrong guess costs a query and never forks the chain.
_HEAD_ATTR = "_dgov_audit_head"


def _head_written(connection: Any) -> tuple[int, str] | None:
    remembered = getattr(connection, _HEAD_ATTR, None)
    if remembered is None or remembered[0] is not connection.run_on_commit:
        return None
    return remembered[1], remembered[2]


def _remember_head(connection: Any, event: AuditEvent) -> None:
    setattr(connection, _HEAD_ATTR, (connection.run_on_commit, event.seq, event.digest))


def _move_and_insert(connection: Any, event: AuditEvent, known: tuple[int, str]) -> int:
    """PostgreSQL: the head's compare-and-set and the new row in one statement (one round trip
    instead of two); the row is inserted only if the head moved. Returns 1 if it did, else 0
    (nothing written). Values are bound as the model's fields prepare them, cast to the column types."""
    fields = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    values = ", ".join(f"CAST(%s AS {f.db_type(connection)})" for f in fields)
    params = [f.get_db_prep_save(f.pre_save(event, add=True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH moved AS (UPDATE audit_chainhead SET seq = %s, digest = %s WHERE id = 1 AND seq = %s AND digest = %s "  # noqa: S608
            f"RETURNING id) INSERT INTO audit_auditevent ({columns}) SELECT {values} FROM moved RETURNING id",
            [event.seq, event.digest, known[0], known[1], *params],
        )
        row = cursor.fetchone()
    if row is None:
        return 0
    event.pk = row[0]
    event._state.adding = False
    event._state.db = connection.alias
    return 1


def record(
    *,
    actor: Any,
    action: str,
    target: Any = None,
    detail: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction if there is one.

    ``actor`` is a user, None for the system, or a string label for an unauthenticated party
    (e.g. the username tried in a failed login).
    """
    target_type, target_id = _target_parts(target)
    if actor is None:
        actor_obj, label = None, SYSTEM_LABEL
    elif isinstance(actor, str):
        actor_obj, label = None, redact(actor)[:150]
    elif getattr(actor, "is_authenticated", False):
        actor_obj, label = actor, actor.get_username()
    else:
        actor_obj, label = None, "anonymous"
    # No savepoint: inside a caller's transaction a failed append fails the whole transaction
    # anyway, and the savepoint's two statements were a fifth of an audited write's queries.
    summary = _scrub(detail or {})
    with transaction.atomic(savepoint=False):
        connection = transaction.get_connection()

        def make(seq: int, prev_digest: str) -> AuditEvent:
            event = AuditEvent(
                seq=seq,
                at=timezone.now(),
                actor=actor_obj,
                actor_label=label,
                action=action,
                target_type=target_type,
                target_id=target_id,
                source_ip=_client_ip(request),
                summary=summary,
                prev_digest=prev_digest,
            )
            event.digest = digest_of(content_of(event))
            return event

        known = _head_written(connection)
        if known is not None:
            # This transaction appended before and still holds the head's row lock: move the head
            # on from what it wrote, compare-and-set, so a head changed any other way (a savepoint
            # rolled back, a test clearing the chain) is never extended from a stale value.
            event = make(known[0] + 1, known[1])
            if connection.vendor == "postgresql":
                moved = _move_and_insert(connection, event, known)
            else:
                moved = ChainHead.objects.filter(id=1, seq=known[0], digest=known[1]).update(
                    seq=event.seq, digest=event.digest
                )
                if moved == 1:
                    event.save()
            if moved == 1:
                _remember_head(connection, event)
                return event
        # Lock the head row: appends are serialised, so seq and prev_digest never fork.
        # Callers write their audit record as late as they can: the lock is held until they commit.
        head, _created = ChainHead.objects.select_for_update().get_or_create(id=1)
        event = make(head.seq + 1, head.digest)
        event.save()
        ChainHead.objects.filter(id=1).update(seq=event.seq, digest=event.digest)
        _remember_head(connection, event)
    return event
