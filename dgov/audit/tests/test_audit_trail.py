"""The audit trail is append-only and every kind of tampering is found by verify_audit."""

import itertools

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation

from dgov.audit import record
from dgov.audit.models import AuditEvent, AuditTrailIsAppendOnly
from dgov.audit.selectors import audit_chain_verify


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def five_events(db):
    """Five events on a fresh chain (earlier rows of the test database are cleared first)."""
    from dgov.audit.models import ChainHead

    _raw("DELETE FROM audit_auditevent")
    ChainHead.objects.all().delete()
    return [record(actor=None, action="test.event", target=("thing", str(i)), detail={"n": i}) for i in range(1, 6)]


def _raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_events_form_a_chain(five_events):
    assert [e.seq for e in five_events] == [1, 2, 3, 4, 5]
    for before, after in itertools.pairwise(five_events):
        assert after.prev_digest == before.digest
    assert audit_chain_verify().broken is None
    assert audit_chain_verify().checked == 5


def test_orm_refuses_update_and_delete(five_events):
    event = five_events[0]
    event.action = "forged"
    with pytest.raises(AuditTrailIsAppendOnly):
        event.save()
    with pytest.raises(AuditTrailIsAppendOnly):
        event.delete()
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.filter(seq=1).update(action="forged")
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(seq=1).action == "test.event"


def test_verify_detects_an_edited_row(five_events):
    _raw("UPDATE audit_auditevent SET action = %s WHERE seq = 3", ["forged"])
    report = audit_chain_verify()
    assert report.broken is not None and report.broken.seq == 3 and "edited" in report.broken.reason
    with pytest.raises(CommandError, match="#3"):
        call_command("verify_audit")


def test_verify_detects_an_edited_summary(five_events):
    _raw("UPDATE audit_auditevent SET summary = %s WHERE seq = 2", ['{"n": 99}'])
    assert audit_chain_verify().broken.seq == 2


def test_verify_detects_a_deleted_row(five_events):
    _raw("DELETE FROM audit_auditevent WHERE seq = 2")
    report = audit_chain_verify()
    assert report.broken is not None and report.broken.seq == 3


def test_verify_detects_deleted_newest_rows(five_events):
    _raw("DELETE FROM audit_auditevent WHERE seq >= 4")
    report = audit_chain_verify()
    assert report.broken is not None and "newest rows" in report.broken.reason


def test_verify_detects_reordered_rows(five_events):
    # Swap the sequence numbers of rows 2 and 3 (through a free value, for the unique index).
    _raw("UPDATE audit_auditevent SET seq = 1000 WHERE seq = 2")
    _raw("UPDATE audit_auditevent SET seq = 2 WHERE seq = 3")
    _raw("UPDATE audit_auditevent SET seq = 3 WHERE seq = 1000")
    report = audit_chain_verify()
    assert report.broken is not None and report.broken.seq == 2


def test_verify_detects_a_rewritten_digest(five_events):
    # Someone without the master key recomputes a plain SM3 digest: still detected.
    from dgov.core.crypto import sm3_hex

    _raw("UPDATE audit_auditevent SET action = %s, digest = %s WHERE seq = 5", ["forged", sm3_hex(b"forged")])
    assert audit_chain_verify().broken.seq == 5


def test_verify_command_reports_an_intact_chain(five_events, capsys):
    call_command("verify_audit")
    assert "5 rows verified" in capsys.readouterr().out


def test_personal_data_in_detail_is_masked(db):
    event = record(
        actor="13800000001", action="test", detail={"note": "id 440704195603120018", "list": ["13912345678"]}
    )
    assert event.actor_label == "138****0001"
    assert event.summary == {"note": "id 440704********0018", "list": ["139****5678"]}


def test_record_joins_the_callers_transaction(db):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        record(actor=None, action="test.rolled_back")
        raise RuntimeError
    assert not AuditEvent.objects.filter(action="test.rolled_back").exists()
    assert audit_chain_verify().broken is None
