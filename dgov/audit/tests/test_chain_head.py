"""Appending several records in one transaction: the head the transaction wrote is moved on by a
compare-and-set instead of a locking read, and whatever happens to the head in between (a
savepoint rolled back, the head changed another way, a new transaction) the chain stays whole."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dgov.audit import record
from dgov.audit.chain import content_of, digest_of
from dgov.audit.models import AuditEvent, ChainHead
from dgov.audit.selectors import audit_chain_verify


@pytest.fixture
def fresh_chain(db):
    """An empty chain (earlier rows of the test database are cleared first)."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent")
    ChainHead.objects.all().delete()


def _append(n):
    return record(actor=None, action="test.event", target=("thing", str(n)), detail={"n": n})


def _chain_is_whole(count):
    report = audit_chain_verify()
    assert report.broken is None
    assert report.checked == count
    head = ChainHead.objects.get(id=1)
    last = AuditEvent.objects.order_by("-seq").first()
    assert (head.seq, head.digest) == (last.seq, last.digest)


def test_a_second_append_in_a_transaction_needs_no_locking_read(fresh_chain):
    with transaction.atomic():
        with CaptureQueriesContext(connection) as first:
            _append(1)
        with CaptureQueriesContext(connection) as second:
            _append(2)
    assert any("audit_chainhead" in q["sql"] and q["sql"].startswith("SELECT") for q in first.captured_queries)
    if connection.vendor == "postgresql":
        # Compare-and-set of the head and the row in one statement.
        assert len(second.captured_queries) == 1
        assert second.captured_queries[0]["sql"].startswith("WITH moved AS (UPDATE audit_chainhead")
    else:
        # Compare-and-set of the head, then the row.
        assert len(second.captured_queries) == 2
        assert second.captured_queries[0]["sql"].startswith("UPDATE")
    _chain_is_whole(2)


def test_a_rolled_back_savepoint_takes_its_records_with_it(fresh_chain):
    with transaction.atomic():
        _append(1)
        with pytest.raises(RuntimeError), transaction.atomic():
            _append(2)
            _append(3)
            raise RuntimeError("the step failed")
        kept = _append(4)
    assert kept.seq == 2
    assert list(AuditEvent.objects.order_by("seq").values_list("summary__n", flat=True)) == [1, 4]
    _chain_is_whole(2)


def test_records_inside_a_released_savepoint_are_extended(fresh_chain):
    with transaction.atomic():
        with transaction.atomic():
            _append(1)
        with CaptureQueriesContext(connection) as after:
            _append(2)
    # The compare-and-set and the row: one statement on PostgreSQL, two elsewhere; no locking read.
    assert len(after.captured_queries) == (1 if connection.vendor == "postgresql" else 2)
    _chain_is_whole(2)


def test_a_head_changed_another_way_is_read_again(fresh_chain):
    with transaction.atomic():
        _append(1)
        _append(2)
        # Someone clears the chain inside the same transaction (as the test fixtures do).
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditevent")
        ChainHead.objects.all().delete()
        third = _append(3)
    assert third.seq == 1
    _chain_is_whole(1)


def test_a_head_moved_by_another_writer_is_read_again(fresh_chain):
    with transaction.atomic():
        _append(1)
        # Another writer's row (written here without dgov.audit.record, so this connection does not
        # know about it) moves the head on.
        head = ChainHead.objects.get(id=1)
        other = AuditEvent(seq=head.seq + 1, at=timezone.now(), actor_label="system", action="other.writer")
        other.prev_digest = head.digest
        other.digest = digest_of(content_of(other))
        other.save()
        ChainHead.objects.filter(id=1).update(seq=other.seq, digest=other.digest)
        third = _append(3)
    assert third.seq == 3 and third.prev_digest == other.digest
    _chain_is_whole(3)


def test_after_a_commit_the_head_is_read_again(transactional_db):
    with transaction.atomic():
        _append(1)
    with transaction.atomic(), CaptureQueriesContext(connection) as second:
        _append(2)
    assert second.captured_queries[0]["sql"].startswith("SELECT")
    assert len(second.captured_queries) == 3
    report = audit_chain_verify()
    assert report.broken is None


def test_a_row_written_in_one_statement_reads_back_as_recorded(fresh_chain):
    """Every column of a row appended by the compare-and-set path (on PostgreSQL one statement
    with the values cast to the column types) reads back as the event that was returned."""
    with transaction.atomic():
        _append(1)
        event = record(
            actor="某人 13800138000",
            action="test.mixed",
            target=("thing", "x"),
            detail={"text": "中文", "n": 2, "nested": [1, {"a": None}]},
        )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert content_of(stored) == content_of(event)
    assert stored.digest == event.digest == digest_of(content_of(stored))
    assert "13800138000" not in stored.actor_label
    _chain_is_whole(2)
